/** `strata publish <wf>`: the draft becomes the next numbered, immutable version (DESIGN.md L7). */
import type { Command } from "commander";
import type { PublishOptions } from "../../index.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { positiveInteger } from "../positive-integer.js";
import { renderVersion } from "../render.js";

/** The flags of `publish`; commander turns `--no-activate` into `activate: false`. */
interface PublishFlags {
  description?: string;
  revision?: number;
  activate: boolean;
  retirePrevious?: boolean;
}

/** Adds the `publish` command to the program. */
export function registerPublishCommand(program: Command, runner: CommandRunner): void {
  program
    .command("publish <wf>")
    .description("validate the draft and publish it as version N+1, live by default")
    .option("--description <text>", "what changed and why, for the history")
    .option(
      "--revision <r>",
      "the draft revision that was reviewed; refused if it moved on",
      positiveInteger,
    )
    .option("--no-activate", "publish without making it live (for pinning only)")
    .option("--retire-previous", "retire the version the new one replaces on the live route")
    .action((ref: string, flags: PublishFlags, command: Command) =>
      runner.run(command, (context) => publishDraft(context, ref, flags)),
    );
}

async function publishDraft(
  { backend, output }: CommandContext,
  ref: string,
  flags: PublishFlags,
): Promise<void> {
  const options: PublishOptions = { activate: flags.activate };
  if (flags.description !== undefined) options.description = flags.description;
  if (flags.revision !== undefined) options.revision = flags.revision;
  if (flags.retirePrevious === true) options.retirePrevious = true;
  const version = await backend.drafts.publish(ref, options);
  output.result(version, () => renderVersion(version));
}
