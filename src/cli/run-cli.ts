/** One run of the `strata` CLI, in-process: parse the arguments, run the command, return the exit code. */
import { CommanderError } from "commander";
import type { CliIo } from "./cli-io.js";
import { processIo } from "./cli-io.js";
import { CommandRunner, EXIT, reportFailure } from "./command-runner.js";
import type { BackendOpener } from "./command-runner.js";
import { Output } from "./output.js";
import { buildProgram } from "./program.js";

/**
 * Runs the CLI on `args` (the user's arguments, without `node` and the script: that is
 * `process.argv.slice(2)`) and returns the exit code: 0 success, 1 a Strata error (the request
 * was refused: `error[<code>]`), 2 invalid usage or an unexpected failure (`error[internal]`).
 */
export async function runCli(
  args: readonly string[],
  io: CliIo = processIo(),
  open?: BackendOpener,
): Promise<number> {
  const runner = new CommandRunner(io, open);
  const program = buildProgram(io, runner);
  try {
    await program.parseAsync([...args], { from: "user" });
    return runner.exitCode;
  } catch (thrown) {
    if (thrown instanceof CommanderError) return thrown.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return reportFailure(new Output(io, args.includes("--json")), thrown);
  }
}
