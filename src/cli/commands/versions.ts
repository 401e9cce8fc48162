/**
 * `strata versions <wf>` and `strata version show|retire|restore|delete <wf> <n>` (L8–L10);
 * `retire` and `delete` take `--dry-run` to print what they would do (whether it is allowed,
 * the bindings that would break or move, the runs in flight) without changing anything.
 */
import type { Command } from "commander";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { positiveInteger } from "../positive-integer.js";
import { renderVersion, renderVersionTable } from "../render.js";
import { renderImpact } from "../render-routing.js";

/** Adds `versions` and `version` with its subcommands to the program. */
export function registerVersionCommands(program: Command, runner: CommandRunner): void {
  program
    .command("versions <wf>")
    .description("list every version of a workflow, the draft first")
    .action((ref: string, _flags: unknown, command: Command) =>
      runner.run(command, (context) => listVersions(context, ref)),
    );
  const version = program
    .command("version")
    .description("show, retire, restore or delete one numbered version");
  addVersionCommand(version, runner, "show", "show a version, with its change summary");
  addVersionCommand(version, runner, "retire", "retire a published version (not the live one)");
  addVersionCommand(version, runner, "restore", "turn a retired version back into a published one");
  version
    .command("delete <wf>")
    .argument("<n>", "the version number", positiveInteger)
    .description("delete a retired version that never ran; its number is never reused")
    .option("--dry-run", "print what deleting it would do, and change nothing")
    .action((ref: string, number: number, flags: { dryRun?: boolean }, command: Command) =>
      runner.run(command, (context) =>
        flags.dryRun === true
          ? printImpact(context, ref, number, "delete")
          : deleteVersion(context, ref, number),
      ),
    );
}

/** `version show|retire|restore <wf> <n>`: each prints the version it acted on. */
function addVersionCommand(
  version: Command,
  runner: CommandRunner,
  verb: "show" | "retire" | "restore",
  description: string,
): void {
  const command = version
    .command(`${verb} <wf>`)
    .argument("<n>", "the version number", positiveInteger)
    .description(description);
  if (verb === "retire") {
    command.option("--dry-run", "print what retiring it would do, and change nothing");
  }
  command.action((ref: string, number: number, flags: { dryRun?: boolean }, self: Command) =>
    runner.run(self, async (context: CommandContext) => {
      if (verb === "retire" && flags.dryRun === true) {
        await printImpact(context, ref, number, "retire");
        return;
      }
      const shown = await context.backend.versions[verb](ref, number);
      context.output.result(shown, () => renderVersion(shown));
    }),
  );
}

async function listVersions({ backend, output }: CommandContext, ref: string): Promise<void> {
  const versions = await backend.versions.list(ref);
  output.result(versions, () => renderVersionTable(versions));
}

async function deleteVersion(
  { backend, output }: CommandContext,
  ref: string,
  number: number,
): Promise<void> {
  await backend.versions.delete(ref, number);
  output.result(
    { workflow: ref, version: number, deleted: true },
    () => `deleted version ${number} of ${ref}; its number stays used`,
  );
}

/** `--dry-run`: the impact of `action`, printed; nothing changes. */
async function printImpact(
  { backend, output }: CommandContext,
  ref: string,
  number: number,
  action: "retire" | "delete",
): Promise<void> {
  const impact = await backend.versions.impact(ref, number);
  output.result(impact, () => renderImpact(ref, impact, action));
}
