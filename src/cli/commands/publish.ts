/**
 * `strata publish <wf>`: the draft becomes the next numbered, immutable version (DESIGN.md L7),
 * live at once or, with `--percent`, as a rollout from the live version (DESIGN.md §3).
 */
import type { Command } from "commander";
import { StrataError } from "../../core/errors.js";
import type { PublishOptions } from "../../index.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { positiveInteger } from "../positive-integer.js";
import { renderVersion } from "../render.js";
import { addRampOptions, hasRampFlags, percentArgument, rolloutPlan } from "../rollout-flags.js";
import type { RolloutFlags } from "../rollout-flags.js";

/** The flags of `publish`; commander turns `--no-activate` into `activate: false`. */
interface PublishFlags extends RolloutFlags {
  description?: string;
  force?: boolean;
  revision?: number;
  activate: boolean;
  retirePrevious?: boolean;
  replaceRollout?: boolean;
}

/** Adds the `publish` command to the program. */
export function registerPublishCommand(program: Command, runner: CommandRunner): void {
  const publish = program
    .command("publish <wf>")
    .description(
      "validate the draft and publish it as version N+1, live by default or rolled out with --percent",
    )
    .option("--description <text>", "what changed and why, for the history")
    .option(
      "--revision <r>",
      "the draft revision that was reviewed; refused if it moved on",
      positiveInteger,
    )
    .option("--no-activate", "publish without making it live (for pinning only)")
    .option("--retire-previous", "retire the version the new one replaces on the live route")
    .option(
      "--percent <p>",
      "roll it out: send this share of new production runs to it, the rest to the live version",
      percentArgument,
    );
  addRampOptions(publish)
    .option("--replace-rollout", "end a rollout in progress (status replaced) instead of refusing")
    .option("--force", "publish an input-schema change the workflow's compatibility mode forbids")
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
  if (flags.force === true) options.force = true;
  if (flags.replaceRollout === true) options.replaceRollout = true;
  if (flags.percent !== undefined) options.rollout = rolloutPlan(flags.percent, flags);
  else if (hasRampFlags(flags)) {
    throw new StrataError(
      "validation_failed",
      "--steps, --every and --guard shape a rollout: give --percent too (e.g. --percent 5)",
    );
  }
  const version = await backend.drafts.publish(ref, options);
  output.result(version, () => {
    const text = renderVersion(version);
    if (flags.percent === undefined) return text;
    return `${text}\nrolling out v${version.number} at ${flags.percent}%: see \`strata rollout status ${ref}\``;
  });
}
