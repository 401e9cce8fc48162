/**
 * `strata rollback <wf> --to N [--percent P]`: make a published version (restoring a retired
 * one) live again at once, or at a percentage as a rollout towards it (DESIGN.md §3).
 */
import type { Command } from "commander";
import type { RollbackInput } from "../../index.js";
import type { CommandRunner } from "../command-runner.js";
import { positiveInteger } from "../positive-integer.js";
import { renderRollback } from "../render-routing.js";
import { percentArgument } from "../rollout-flags.js";

/** Adds the `rollback` command to the program. */
export function registerRollbackCommand(program: Command, runner: CommandRunner): void {
  program
    .command("rollback <wf>")
    .description(
      "make version N live again (restoring it if retired, ending any rollout), or roll it out at --percent",
    )
    .requiredOption("--to <n>", "the version to go back to", positiveInteger)
    .option(
      "--percent <p>",
      "roll it out at this share instead of switching at once",
      percentArgument,
    )
    .action((ref: string, flags: { to: number; percent?: number }, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const input: RollbackInput = { to: flags.to };
        if (flags.percent !== undefined) input.percent = flags.percent;
        const result = await backend.rollouts.rollback(ref, input);
        output.result(result, () => renderRollback(ref, result));
      }),
    );
}
