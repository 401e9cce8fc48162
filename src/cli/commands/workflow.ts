/** `strata workflow create|list|show|activate|deactivate` (DESIGN.md §1, L11). */
import type { Command } from "commander";
import { loadDefinitionFile } from "../../core/definition/index.js";
import { collectPages } from "../collect-pages.js";
import type { CommandRunner } from "../command-runner.js";
import { renderWorkflow, renderWorkflowTable } from "../render.js";

/** Adds the `workflow` command and its subcommands to the program. */
export function registerWorkflowCommands(program: Command, runner: CommandRunner): void {
  const workflow = program.command("workflow").description("create, list and (de)activate workflows");

  workflow
    .command("create <key>")
    .description("create a workflow and its first draft (from --file, else a one-step starter)")
    .option("--file <path>", "the first draft's definition (.yaml, .yml or .json)")
    .option("--name <name>", "a display name (default: the key)")
    .action((key: string, flags: { file?: string; name?: string }, command: Command) =>
      runner.run(command, async ({ backend, output, resolvePath }) => {
        const definition =
          flags.file === undefined ? undefined : await loadDefinitionFile(resolvePath(flags.file));
        const created = await backend.workflows.create({
          key,
          ...(flags.name === undefined ? {} : { name: flags.name }),
          ...(definition === undefined ? {} : { definition }),
        });
        output.result(created, () => renderWorkflow(created));
      }),
    );

  workflow
    .command("list")
    .description("list the tenant's workflows by key")
    .action((_flags: unknown, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const workflows = await collectPages((cursor) =>
          backend.workflows.list(cursor === undefined ? {} : { cursor }),
        );
        output.result(workflows, () => renderWorkflowTable(workflows));
      }),
    );

  workflow
    .command("show <wf>")
    .description("show a workflow (by id or key)")
    .action((ref: string, _flags: unknown, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const shown = await backend.workflows.show(ref);
        output.result(shown, () => renderWorkflow(shown));
      }),
    );

  workflow
    .command("activate <wf>")
    .description("let the workflow take production runs again (it needs a live version)")
    .action((ref: string, _flags: unknown, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const activated = await backend.workflows.activate(ref);
        output.result(activated, () => renderWorkflow(activated));
      }),
    );

  workflow
    .command("deactivate <wf>")
    .description("stop new production runs; runs in flight finish, test runs still work")
    .action((ref: string, _flags: unknown, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const deactivated = await backend.workflows.deactivate(ref);
        output.result(deactivated, () => renderWorkflow(deactivated));
      }),
    );
}
