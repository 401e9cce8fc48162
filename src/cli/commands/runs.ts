/**
 * `strata runs prune --finished-before <ISO date | 90d> [--workflow W] [--dry-run]` (DESIGN.md
 * §10): removes finished runs that ended before the cutoff, keeping version run counts and
 * what the audit log or a backtest names. The cutoff is resolved where the engine runs (the
 * server's clock in remote mode), so `90d` means the same for every client.
 */
import type { Command } from "commander";
import type { PruneOptions } from "../../index.js";
import type { CommandRunner } from "../command-runner.js";
import { positiveInteger } from "../positive-integer.js";
import { renderPruneReport } from "../render-prune.js";

/** The flags of `runs prune`. */
interface PruneFlags {
  finishedBefore: string;
  workflow?: string;
  dryRun?: boolean;
  limit?: number;
}

/** Adds `runs prune`. */
export function registerRunsCommands(program: Command, runner: CommandRunner): void {
  const runs = program
    .command("runs")
    .description("operate on many runs at once: prune the finished ones");
  runs
    .command("prune")
    .description(
      "delete finished runs that ended before a cutoff; runs in flight, runs the audit log or a " +
        "backtest names, and version run counts are kept (needs admin against a server)",
    )
    .requiredOption(
      "--finished-before <when>",
      "an ISO date (2026-01-01), an ISO time with its zone, or an age: 90d, 12h, 30m",
    )
    .option("--workflow <wf>", "only the runs of one workflow (id or key)")
    .option("--dry-run", "count what would be pruned, delete nothing")
    .option("--limit <n>", "prune at most this many runs", positiveInteger)
    .action((flags: PruneFlags, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const options: PruneOptions = { finishedBefore: flags.finishedBefore };
        if (flags.workflow !== undefined) options.workflow = flags.workflow;
        if (flags.dryRun === true) options.dryRun = true;
        if (flags.limit !== undefined) options.limit = flags.limit;
        const report = await backend.runs.prune(options);
        output.result(report, () => renderPruneReport(report));
      }),
    );
}
