/**
 * The `strata` command tree (DESIGN.md §7): one `commands/<noun>.ts` file per noun, each
 * registered below; later issues add theirs the same way.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import type { CliIo } from "./cli-io.js";
import type { CommandRunner } from "./command-runner.js";
import { registerApplyCommand } from "./commands/apply.js";
import { registerAuditCommands } from "./commands/audit.js";
import { registerBindingCommands } from "./commands/binding.js";
import { registerDoctorCommand } from "./commands/doctor.js";
import { registerDraftCommands } from "./commands/draft.js";
import { registerEventCommands } from "./commands/event.js";
import { registerPublishCommand } from "./commands/publish.js";
import { registerReviewCommands } from "./commands/review.js";
import { registerBacktestCommands } from "./commands/backtest.js";
import { registerChangeCommands } from "./commands/changes.js";
import { registerRollbackCommand } from "./commands/rollback.js";
import { registerRolloutCommands } from "./commands/rollout.js";
import { registerRunCommands } from "./commands/run.js";
import { registerRunsCommands } from "./commands/runs.js";
import { registerVersionCommands } from "./commands/versions.js";
import { registerServeCommand } from "./commands/serve.js";
import { registerTokenCommands } from "./commands/token.js";
import { registerWorkerCommand } from "./commands/worker.js";
import { registerWorkflowCommands } from "./commands/workflow.js";
import { addGlobalOptions } from "./global-options.js";

/**
 * Builds the program. Commander's own errors (unknown options, missing arguments) are thrown
 * as `CommanderError` rather than exiting, and its text goes to `io`.
 */
export function buildProgram(io: CliIo, runner: CommandRunner): Command {
  const program = new Command("strata")
    .description(
      "Strata: workflows with drafts, immutable numbered versions, runs and an audit log",
    )
    .version(packageVersion())
    .exitOverride()
    // Program options only before the subcommand, so that `strata --version` prints the
    // package's version while `run start --version 3` (and later `replay`, `backtest`) reuse
    // the name; every command declares the global options itself (below), so `--db` and
    // `--json` still work anywhere.
    .enablePositionalOptions()
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  addGlobalOptions(program);
  registerWorkflowCommands(program, runner);
  registerDraftCommands(program, runner);
  registerReviewCommands(program, runner);
  registerPublishCommand(program, runner);
  registerVersionCommands(program, runner);
  registerRolloutCommands(program, runner);
  registerRollbackCommand(program, runner);
  registerChangeCommands(program, runner);
  registerBacktestCommands(program, runner);
  registerAuditCommands(program, runner);
  registerApplyCommand(program, runner);
  registerRunCommands(program, runner);
  registerRunsCommands(program, runner);
  registerBindingCommands(program, runner);
  registerEventCommands(program, runner);
  registerWorkerCommand(program, runner);
  registerTokenCommands(program, runner);
  registerServeCommand(program, runner);
  registerDoctorCommand(program, runner);
  // exitOverride is not inherited by commands created before it is set, so set it on all.
  forEachCommand(program, (command) => {
    command.exitOverride();
    if (command !== program) addGlobalOptions(command);
  });
  return program;
}

function forEachCommand(command: Command, visit: (command: Command) => void): void {
  visit(command);
  for (const child of command.commands) forEachCommand(child, visit);
}

/** The package's version, read once from package.json (two levels up in src/ and in dist/). */
function packageVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}
