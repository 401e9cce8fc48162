/**
 * `strata doctor [--repair]`: checks what the database keeps beside the runs against the runs
 * themselves. Today that is the run counters (`run_counts`, migration 0010), which triggers
 * keep in each run's own transaction and which the versions list, rollout status and the guard
 * read: the check recomputes every counter from the runs stored plus the prune tallies and
 * lists the keys that differ (exit 1, `run_counts_differ`). `--repair` sets those counters to
 * what the runs say, while writes to `runs` wait (SQLite's write lock; on PostgreSQL a SHARE
 * lock on the table), so nothing changes between the recount and the repair.
 *
 * It reads every run of every tenant, so it is an operator's command for a quiet moment (after
 * a restore, say), never a request's work. It works on a database (`--db`), not a server.
 */
import type { Command } from "commander";
import { sql } from "kysely";
import { StrataError } from "../../core/errors.js";
import type { Strata } from "../../index.js";
import { recountRuns, repairRunCounts } from "../../store/run-counts.js";
import type { RunCountDifference } from "../../store/run-counts.js";
import { openLocalEngine } from "../backend.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { formatTable } from "../output.js";

/** The flags of `doctor`. */
interface DoctorFlags {
  repair?: boolean;
}

/** What `doctor` reports. */
export interface DoctorReport {
  ok: boolean;
  /** The counters that differed from the runs. */
  runCounts: RunCountDifference[];
  /** Whether they were set to what the runs say (`--repair`). */
  repaired: boolean;
}

/** Adds the `doctor` command to the program. */
export function registerDoctorCommand(program: Command, runner: CommandRunner): void {
  program
    .command("doctor")
    .description("check the run counters against the runs (every tenant); --repair fixes them")
    .option("--repair", "set the counters that differ to what the runs say")
    .action((flags: DoctorFlags, command: Command) =>
      runner.runWith(
        command,
        (options) => openLocalEngine(options, { allowedHosts: [] }, "doctor"),
        (context) => doctor(context, flags),
      ),
    );
}

async function doctor(
  { backend: strata, output }: CommandContext<Strata>,
  flags: DoctorFlags,
): Promise<void> {
  const { store } = strata;
  const differences =
    flags.repair === true
      ? await store.transaction(async (trx) => {
          if (store.dialect === "postgres") await sql`LOCK TABLE runs IN SHARE MODE`.execute(trx);
          const found = await recountRuns(trx);
          await repairRunCounts(trx, found);
          return found;
        })
      : await recountRuns(store.db);
  const report: DoctorReport = {
    ok: differences.length === 0 || flags.repair === true,
    runCounts: differences,
    repaired: flags.repair === true && differences.length > 0,
  };
  if (!report.ok) {
    throw new StrataError(
      "run_counts_differ",
      `${differences.length} run counter(s) differ from the runs: ${differences
        .slice(0, 3)
        .map(describe)
        .join(
          "; ",
        )}${differences.length > 3 ? "; …" : ""}. Run \`strata doctor --repair\` to set them to what the runs say`,
      { details: report },
    );
  }
  output.result(report, () => render(report));
}

function describe(diff: RunCountDifference): string {
  const rollout = diff.rolloutId === "" ? "" : ` rollout ${diff.rolloutId}`;
  return `${diff.tenantId} ${diff.versionId}${rollout} ${diff.kind} ${diff.status}: counted ${diff.counted}, runs ${diff.actual}`;
}

function render(report: DoctorReport): string {
  if (!report.repaired) return "Run counters: every counter matches the runs.";
  const rows = report.runCounts.map((diff) => [
    diff.tenantId,
    diff.versionId,
    diff.rolloutId === "" ? "-" : diff.rolloutId,
    diff.kind,
    diff.status,
    String(diff.counted),
    String(diff.actual),
  ]);
  return `Run counters: repaired ${report.runCounts.length}.\n${formatTable(
    ["TENANT", "VERSION", "ROLLOUT", "KIND", "STATUS", "WAS", "NOW"],
    rows,
  )}`;
}
