/** `strata draft open|show|save|revert|discard|run` (DESIGN.md L1, L4–L6, L13). */
import type { Command } from "commander";
import { loadDefinitionFile } from "../../core/definition/index.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { jsonArgument, readJsonArgument } from "../json-argument.js";
import type { JsonArgument } from "../json-argument.js";
import { positiveInteger } from "../positive-integer.js";
import { renderDraft } from "../render.js";
import { printRun } from "./run.js";

/** The flags of `draft save`. */
interface SaveFlags {
  file: string;
  revision?: number;
}

/** The flags of `draft run`. */
interface RunFlags {
  input: JsonArgument;
  key?: string;
  idempotencyKey?: string;
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
  draft
    .command("run <wf>")
    .description("start a test run of the draft (as `run start <wf> --version draft`)")
    .requiredOption("--input <json>", "the run's input (JSON, or @file.json)", jsonArgument)
    .option("--key <key>", "the routing key")
    .option(
      "--idempotency-key <key>",
      "the same key and request return the first run instead of starting another",
    )
    .action((ref: string, flags: RunFlags, command: Command) =>
      runner.run(command, (context) => runDraft(context, ref, flags)),
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

/** A test run of the draft: it never counts as production (L13). */
async function runDraft(context: CommandContext, ref: string, flags: RunFlags): Promise<void> {
  const input = await readJsonArgument(flags.input, "--input", context.resolvePath);
  const run = await context.backend.drafts.run(ref, {
    input,
    ...(flags.key === undefined ? {} : { routingKey: flags.key }),
    ...(flags.idempotencyKey === undefined ? {} : { idempotencyKey: flags.idempotencyKey }),
  });
  await printRun(context, run);
}
