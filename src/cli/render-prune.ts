/** The human form of a prune's report (`strata runs prune`). */
import type { KeepReason, PruneReport } from "../index.js";
import { formatTable, indent } from "./output.js";

/** What each reason to keep a run is called in the summary line. */
const KEPT_LABELS: Record<KeepReason, string> = {
  auditLog: "named by the audit log",
  backtestReport: "named by a backtest report",
  backtestPending: "waiting for a backtest to read them",
  rolloutActive: "counted by an active rollout",
};

/** A line saying how many runs went (or would go), a table by version, and what was kept. */
export function renderPruneReport(report: PruneReport): string {
  const scope = report.workflow === null ? "" : ` of workflow ${report.workflow}`;
  const runs = `${report.pruned} finished run${report.pruned === 1 ? "" : "s"}${scope}`;
  const lines = [
    report.dryRun
      ? `Would prune ${runs} that ended before ${report.finishedBefore} (dry run: nothing was deleted).`
      : `Pruned ${runs} that ended before ${report.finishedBefore}.`,
  ];
  if (report.byVersion.length > 0) {
    const table = formatTable(
      ["WORKFLOW", "VERSION", "RUNS"],
      report.byVersion.map((entry) => [
        entry.workflow,
        entry.version === null ? "draft" : `v${entry.version}`,
        entry.count,
      ]),
    );
    lines.push(...indent(table.split("\n")));
  }
  const kept = (Object.keys(KEPT_LABELS) as KeepReason[])
    .filter((reason) => report.kept[reason] > 0)
    .map((reason) => `${report.kept[reason]} ${KEPT_LABELS[reason]}`);
  if (kept.length > 0) lines.push(`Kept: ${kept.join(", ")}.`);
  if (report.more) lines.push("The limit was reached: run it again to prune more.");
  if (!report.dryRun && report.pruned > 0) {
    lines.push("Version run counts are unchanged; the audit log records the prune.");
  }
  return lines.join("\n");
}
