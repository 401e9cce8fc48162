/** Human output of diffs and replays: readable lists, both paths side by side. */
import type {
  Backtest,
  InputAdapter,
  MigrationReport,
  ReplayReport,
  VersionDiff,
} from "../index.js";
import { formatBlock, formatTable, shortTime } from "./output.js";

/** `strata diff`: one line per change, grouped, breaking schema changes marked. */
export function renderDiff(workflow: string, diff: VersionDiff): string {
  const head = `${workflow}: ${diff.from.label} → ${diff.to.label}`;
  if (diff.identical) return `${head}\nno changes`;
  const lines = [head];
  const value = (v: unknown) =>
    v === null ? "(none)" : typeof v === "string" ? v : JSON.stringify(v);
  for (const field of diff.fields) {
    lines.push(`  ~ ${field.field}: ${value(field.before)} → ${value(field.after)}`);
  }
  for (const node of diff.nodes.added)
    lines.push(`  + node ${node.id}${node.type === null ? "" : ` (${node.type})`}`);
  for (const node of diff.nodes.removed)
    lines.push(`  - node ${node.id}${node.type === null ? "" : ` (${node.type})`}`);
  for (const node of diff.nodes.changed) {
    lines.push(`  ~ node ${node.id}${node.type === null ? "" : ` (${node.type})`}`);
    for (const field of node.fields) {
      lines.push(`      ${field.field}: ${value(field.before)} → ${value(field.after)}`);
    }
  }
  if (diff.edges.length > 0) {
    lines.push("  edges:");
    for (const edge of diff.edges) {
      lines.push(
        `      ${edge.from}.${edge.field}: ${edge.before ?? "(none)"} → ${edge.after ?? "(none)"}`,
      );
    }
  }
  if (diff.inputSchema.length > 0) {
    const breaking = new Set(diff.compatibility.breaking);
    lines.push(`  input schema (mode ${diff.compatibility.mode}):`);
    for (const change of diff.inputSchema) {
      lines.push(
        `      ${breaking.has(change) ? "BREAKING" : "compatible"}  ${change.description}`,
      );
    }
  }
  return lines.join("\n");
}

/** `strata replay`: the verdict, both paths side by side, the switches and the output. */
export function renderReplay(report: ReplayReport): string {
  const original =
    report.original.versionNumber === null ? "draft" : `v${report.original.versionNumber}`;
  const target = report.target.versionNumber === null ? "draft" : `v${report.target.versionNumber}`;
  const c = report.comparison;
  const lines = [
    `run ${report.runId}: ${original} → ${target} (${report.target.selector})`,
    `verdict:   ${report.replay.status === "unresolved" ? "unresolved" : c.changed ? "CHANGED" : "same decision"}`,
  ];
  if (report.adapter !== "none") lines.push(`input:     adapted (${report.adapter} adapter)`);
  const rows: string[][] = [];
  for (let i = 0; i < Math.max(c.originalPath.length, c.replayPath.length); i++) {
    const a = c.originalPath[i] ?? "";
    const b = c.replayPath[i] ?? "";
    rows.push([String(i + 1), a, b, a === b ? "=" : "≠"]);
  }
  lines.push("", formatTable(["STEP", original.toUpperCase(), target.toUpperCase(), ""], rows));
  if (c.divergence !== null) {
    lines.push(
      "",
      `diverges at step ${c.divergence.step}: ${c.divergence.original ?? "(end)"} → ${c.divergence.replay ?? "(end)"}`,
    );
  }
  for (const s of c.switches) {
    const side = (d: typeof s.original) =>
      d === null
        ? "(not reached)"
        : `${d.branch ?? "?"} (case ${d.caseIndex === -1 ? "default" : String(d.caseIndex)})`;
    lines.push(
      `switch ${s.node}${s.visit > 1 ? ` (visit ${s.visit})` : ""}: ${side(s.original)} → ${side(s.replay)}`,
    );
  }
  if (c.statusChange !== null)
    lines.push(`status: ${c.statusChange.original} → ${c.statusChange.replay}`);
  for (const change of c.outputChanges) {
    lines.push(
      `output ${change.field === "" ? "" : `${change.field} `}: ${JSON.stringify(change.before)} → ${JSON.stringify(change.after)}`.replace(
        " :",
        ":",
      ),
    );
  }
  if (report.replay.unresolved !== null) {
    lines.push(
      `unresolved: ${report.replay.unresolved.node} (${report.replay.unresolved.kind}): ${report.replay.unresolved.reason}`,
    );
  }
  lines.push(
    `output:    ${JSON.stringify(report.original.output)} → ${JSON.stringify(report.replay.output)}`,
  );
  return lines.join("\n");
}

/** `strata adapter list`. */
export function renderAdapters(adapters: readonly InputAdapter[]): string {
  if (adapters.length === 0) return "No input adapters: add one with `strata adapter add`.";
  return formatTable(
    ["FROM", "TO", "EXPRESSION", "BY"],
    adapters.map((a) => [`v${a.from}`, `v${a.to}`, a.expression, a.createdBy]),
  );
}

/** `strata backtest`: the job and, once done, its report. */
export function renderBacktest(backtest: Backtest): string {
  const target = backtest.target === "draft" ? "draft" : `v${backtest.target}`;
  const lines = [
    formatBlock([
      ["id", backtest.id],
      ["status", backtest.status],
      ["target", target],
      ["runs", backtest.total === null ? "-" : `${backtest.done} of ${backtest.total}`],
      ["since", backtest.since],
      ["until", backtest.until],
      ["error", backtest.error],
    ]),
  ];
  const report = backtest.report;
  if (report === null) return lines.join("\n");
  const share = (n: number) =>
    report.total === 0 ? "0%" : `${((100 * n) / report.total).toFixed(1)}%`;
  lines.push(
    "",
    `replayed ${report.total}: changed ${report.changed} (${share(report.changed)}), unchanged ${report.unchanged}, ` +
      `unresolved ${report.unresolved}, schema drift ${report.schemaDrift}`,
  );
  if (report.switchChanges.length > 0) {
    lines.push("", "routed differently:");
    for (const s of report.switchChanges)
      lines.push(`  ${s.node}: ${s.from} → ${s.to}  × ${s.count}`);
  }
  if (report.outputMoves.length > 0) {
    lines.push("", "outputs moved:");
    for (const m of report.outputMoves.slice(0, 20)) {
      lines.push(
        `  ${m.field === "" ? "(output)" : m.field}: ${JSON.stringify(m.before)} → ${JSON.stringify(m.after)}  × ${m.count}`,
      );
    }
  }
  if (report.statusChanges.length > 0) {
    lines.push("", "status changes:");
    for (const s of report.statusChanges) lines.push(`  ${s.from} → ${s.to}  × ${s.count}`);
  }
  const unresolved = Object.entries(report.unresolvedByNode);
  if (unresolved.length > 0) {
    lines.push("", "unresolved (no recorded outcome, no mock):");
    for (const [node, count] of unresolved) lines.push(`  ${node}  × ${count}`);
  }
  for (const sample of report.schemaDriftSamples.slice(0, 5)) {
    lines.push(`schema drift: ${sample.runId} ${sample.path}: ${sample.message}`);
  }
  if (report.changedSamples.length > 0) {
    lines.push(
      "",
      `look closer: strata replay ${report.changedSamples[0] ?? ""} --version ${target === "draft" ? "draft" : String(backtest.target)}`,
    );
  }
  return lines.join("\n");
}

/** `strata backtest list`. */
export function renderBacktestTable(backtests: readonly Backtest[]): string {
  if (backtests.length === 0) return "No backtests yet: start one with `strata backtest <wf>`.";
  return formatTable(
    ["ID", "STATUS", "TARGET", "RUNS", "CHANGED", "CREATED"],
    backtests.map((b) => [
      b.id,
      b.status,
      b.target === "draft" ? "draft" : `v${b.target}`,
      b.total === null ? "-" : `${b.done}/${b.total}`,
      b.report === null ? "-" : String(b.report.changed),
      shortTime(b.createdAt),
    ]),
  );
}

/** `strata migrate`: per run, whether it moves (or would) and why not. */
export function renderMigration(workflow: string, report: MigrationReport): string {
  const verb = report.dryRun ? "would move" : "moved";
  const head = `${workflow}: v${report.from} → v${report.to}: ${verb} ${report.moved}, left ${report.skipped}${report.dryRun ? " (dry run: nothing changed)" : ""}`;
  if (report.runs.length === 0) return `${head}\nno run is in flight on v${report.from}`;
  return [
    head,
    formatTable(
      ["RUN", "AT", "TO", report.dryRun ? "CAN MOVE" : "MOVED", "WHY NOT"],
      report.runs.map((r) => [r.runId, r.node, r.toNode, r.moves ? "yes" : "no", r.reason]),
    ),
  ].join("\n");
}
