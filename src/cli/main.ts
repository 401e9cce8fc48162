/**
 * The `strata` executable: `bin/strata.js` imports the compiled form of this file, which runs
 * the CLI on the process's arguments at once. Importing it runs it, so code that wants to drive
 * the CLI in-process (tests, embedders) imports `runCli` from `./run-cli.js` instead.
 */
import { processIo } from "./cli-io.js";
import { runCli } from "./run-cli.js";

/** Runs the CLI on `argv` (`process.argv`: node, the script, then the arguments) and sets the exit code. */
export async function main(argv: readonly string[]): Promise<void> {
  process.exitCode = await runCli(argv.slice(2), processIo());
}

await main(process.argv);
