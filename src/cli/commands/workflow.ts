/** `strata workflow create|list|show|activate|deactivate` (DESIGN.md §1, L11). */
import type { Command } from "commander";
import { loadDefinitionFile } from "../../core/definition/index.js";
import { collectPages } from "../collect-pages.js";
import { registerPolicyCommand } from "./changes.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { renderWorkflow, renderWorkflowTable } from "../render.js";

/** The flags of `workflow create`. */
interface CreateFlags {
  file?: string;
  name?: string;
}

/** Adds the `workflow` command and its subcommands to the program. */
export function registerWorkflowCommands(program: Command, runner: CommandRunner): void {
  const workflow = program
    .command("workflow")
    .description("create, list, show, activate and deactivate workflows");
  workflow
    .command("create <key>")
    .description("create a workflow and its first draft (from --file, else a one-step starter)")
    .option("--file <path>", "the first draft's definition (.yaml, .yml or .json)")
    .option("--name <name>", "a display name (default: the key)")
    .action((key: string, flags: CreateFlags, command: Command) =>
      runner.run(command, (context) => createWorkflow(context, key, flags)),
    );
  workflow
    .command("list")
    .description("list the workflows by key")
    .action((_flags: unknown, command: Command) => runner.run(command, listWorkflows));
  workflow
    .command("show <wf>")
    .description("show a workflow (by id or key)")
    .action((ref: string, _flags: unknown, command: Command) =>
      runner.run(command, (context) => showWorkflow(context, ref)),
    );
  workflow
    .command("activate <wf>")
    .description("let the workflow take production runs again (it needs a live version)")
    .action((ref: string, _flags: unknown, command: Command) =>
      runner.run(command, (context) => setWorkflowStatus(context, ref, "activate")),
    );
  workflow
    .command("deactivate <wf>")
    .description("stop new production runs; runs in flight finish, test runs still work")
    .action((ref: string, _flags: unknown, command: Command) =>
      runner.run(command, (context) => setWorkflowStatus(context, ref, "deactivate")),
    );
  registerPolicyCommand(workflow, runner);
}

async function createWorkflow(
  { backend, output, resolvePath }: CommandContext,
  key: string,
  flags: CreateFlags,
): Promise<void> {
  const definition =
    flags.file === undefined ? undefined : await loadDefinitionFile(resolvePath(flags.file));
  const workflow = await backend.workflows.create({
    key,
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(definition === undefined ? {} : { definition }),
  });
  output.result(workflow, () => renderWorkflow(workflow));
}

async function listWorkflows({ backend, output }: CommandContext): Promise<void> {
  const workflows = await collectPages((cursor) =>
    backend.workflows.list(cursor === undefined ? {} : { cursor }),
  );
  output.result(workflows, () => renderWorkflowTable(workflows));
}

async function showWorkflow({ backend, output }: CommandContext, ref: string): Promise<void> {
  const workflow = await backend.workflows.show(ref);
  output.result(workflow, () => renderWorkflow(workflow));
}

async function setWorkflowStatus(
  { backend, output }: CommandContext,
  ref: string,
  change: "activate" | "deactivate",
): Promise<void> {
  const workflow = await backend.workflows[change](ref);
  output.result(workflow, () => renderWorkflow(workflow));
}
