/** `strata draft open|show|save|revert|discard` (DESIGN.md L1, L4–L6). */
import type { Command } from "commander";
import { loadDefinitionFile } from "../../core/definition/index.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { positiveInteger } from "../positive-integer.js";
import { renderDraft } from "../render.js";

/** The flags of `draft save`. */
interface SaveFlags {
  file: string;
  revision?: number;
}

/** Adds the `draft` command and its subcommands to the program. */
export function registerDraftCommands(program: Command, runner: CommandRunner): void {
  const draft = program
    .command("draft")
    .description("edit the workflow's one draft while the live version keeps serving");
  draft
    .command("open <wf>")
    .description("open the draft from the live version, or from version N (retired ones too)")
    .option("--from <n>", "the version to copy", positiveInteger)
    .action((ref: string, flags: { from?: number }, command: Command) =>
      runner.run(command, (context) => openDraft(context, ref, flags.from)),
    );
  draft
    .command("show <wf>")
    .description("show the draft, with its validation problems")
    .action((ref: string, _flags: unknown, command: Command) =>
      runner.run(command, (context) => showDraft(context, ref)),
    );
  draft
    .command("save <wf>")
    .description("replace the draft's definition with a file's")
    .requiredOption("--file <path>", "the new definition (.yaml, .yml or .json)")
    .option(
      "--revision <r>",
      "the revision you edited; refused if someone saved since (default: the current one)",
      positiveInteger,
    )
    .action((ref: string, flags: SaveFlags, command: Command) =>
      runner.run(command, (context) => saveDraft(context, ref, flags)),
    );
  draft
    .command("revert <wf>")
    .description("reset the draft to the live version's definition")
    .action((ref: string, _flags: unknown, command: Command) =>
      runner.run(command, (context) => revertDraft(context, ref)),
    );
  draft
    .command("discard <wf>")
    .description("delete the draft; no published version is touched")
    .action((ref: string, _flags: unknown, command: Command) =>
      runner.run(command, (context) => discardDraft(context, ref)),
    );
}

async function openDraft(
  { backend, output }: CommandContext,
  ref: string,
  from: number | undefined,
): Promise<void> {
  const draft = await backend.drafts.open(ref, from === undefined ? {} : { from });
  output.result(draft, () => renderDraft(draft));
}

async function showDraft({ backend, output }: CommandContext, ref: string): Promise<void> {
  const draft = await backend.drafts.show(ref);
  output.result(draft, () => renderDraft(draft));
}

/** Without `--revision`, saves over the revision current now (read first): last save wins. */
async function saveDraft(
  { backend, output, resolvePath }: CommandContext,
  ref: string,
  flags: SaveFlags,
): Promise<void> {
  const definition = await loadDefinitionFile(resolvePath(flags.file));
  const revision = flags.revision ?? (await backend.drafts.show(ref)).revision;
  const draft = await backend.drafts.save(ref, { definition, revision });
  output.result(draft, () => renderDraft(draft));
}

async function revertDraft({ backend, output }: CommandContext, ref: string): Promise<void> {
  const draft = await backend.drafts.revert(ref);
  output.result(draft, () => renderDraft(draft));
}

async function discardDraft({ backend, output }: CommandContext, ref: string): Promise<void> {
  await backend.drafts.discard(ref);
  output.result({ workflow: ref, discarded: true }, () => `discarded the draft of ${ref}`);
}
