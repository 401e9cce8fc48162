/**
 * A backtest's report (DESIGN.md §5): many replays summed up. Partial reports from several
 * workers merge into one, and every list is sorted, so the same runs against the same target
 * always give the same report, whatever the order the workers finished in.
 */
import type { ReplayComparison, ReplayedRun } from "./replay-types.js";

/** How an output field moved, counted: `decision: "approve" → "reject"` × 41. */
export interface OutputMove {
  field: string;
  before: unknown;
  after: unknown;
  count: number;
}

/** A backtest job, with its progress and, once done, its report. */
export interface Backtest {
  id: string;
  workflowId: string;
  target: number | "draft";
  sourceVersion: number | null;
  since: string | null;
  /** Runs that started after this (the job's creation) are not part of it. */
  until: string;
  limit: number;
  adapter: string | null;
  status: "queued" | "running" | "completed" | "failed" | "cancelled";
  cancelRequested: boolean;
  /** Runs the job covers (known once it starts), and how many are done. */
  total: number | null;
  done: number;
  report: BacktestReport | null;
  error: string | null;
  createdAt: string;
  createdBy: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** The report. */
export interface BacktestReport {
  /** Runs replayed (or refused for schema drift). */
  total: number;
  /** Runs whose status or output would change. */
  changed: number;
  unchanged: number;
  /** Runs that stopped at an effect with no recorded outcome and no mock, by node. */
  unresolved: number;
  unresolvedByNode: Record<string, number>;
  /** Runs whose input does not fit the target (and no adapter made it fit). */
  schemaDrift: number;
  /** A few of them, with their first error, for a start. */
  schemaDriftSamples: Array<{ runId: string; path: string; message: string }>;
  /** Switch decisions that differ, by `node: before → after`. */
  switchChanges: Array<{ node: string; from: string; to: string; count: number }>;
  /** Runs whose path first diverges at a node (the original's node there). */
  divergenceByNode: Record<string, number>;
  /** Status changes: `completed → failed` × n. */
  statusChanges: Array<{ from: string; to: string; count: number }>;
  /** Output fields that moved, most frequent first. */
  outputMoves: OutputMove[];
  /** Up to 20 changed runs, for a closer look with `strata replay`. */
  changedSamples: string[];
}

/** The empty report. */
export function emptyReport(): BacktestReport {
  return {
    total: 0,
    changed: 0,
    unchanged: 0,
    unresolved: 0,
    unresolvedByNode: {},
    schemaDrift: 0,
    schemaDriftSamples: [],
    switchChanges: [],
    divergenceByNode: {},
    statusChanges: [],
    outputMoves: [],
    changedSamples: [],
  };
}

const SAMPLE_LIMIT = 20;
/** Output values longer than this (as JSON) are counted as one "changed" move. */
const MOVE_VALUE_LIMIT = 80;

/** Adds one replayed run to `report` (in place). */
export function addReplay(
  report: BacktestReport,
  runId: string,
  replay: ReplayedRun,
  comparison: ReplayComparison,
): void {
  report.total += 1;
  if (replay.unresolved !== null) {
    report.unresolved += 1;
    bump(report.unresolvedByNode, replay.unresolved.node);
    return;
  }
  if (!comparison.changed && comparison.switches.length === 0 && comparison.divergence === null) {
    report.unchanged += 1;
    return;
  }
  if (comparison.changed) {
    report.changed += 1;
    if (report.changedSamples.length < SAMPLE_LIMIT) report.changedSamples.push(runId);
  } else {
    report.unchanged += 1;
  }
  if (comparison.divergence !== null) {
    bump(report.divergenceByNode, comparison.divergence.original ?? "(end)");
  }
  for (const change of comparison.switches) {
    // Another case leading to the same branch routes nothing differently.
    if (change.original?.branch === change.replay?.branch) continue;
    addCount(report.switchChanges, {
      node: change.node,
      from: change.original?.branch ?? "(not reached)",
      to: change.replay?.branch ?? "(not reached)",
      count: 1,
    });
  }
  if (comparison.statusChange !== null) {
    addCount(report.statusChanges, {
      from: comparison.statusChange.original,
      to: comparison.statusChange.replay,
      count: 1,
    });
  }
  for (const move of comparison.outputChanges) {
    const small = (value: unknown) => JSON.stringify(value ?? null).length <= MOVE_VALUE_LIMIT;
    addCount(report.outputMoves, {
      field: move.field,
      before: small(move.before) ? move.before : "(large value)",
      after: small(move.after) ? move.after : "(large value)",
      count: 1,
    });
  }
}

/** Adds a run refused for schema drift. */
export function addDrift(
  report: BacktestReport,
  runId: string,
  first: { path: string; message: string } | undefined,
): void {
  report.total += 1;
  report.schemaDrift += 1;
  if (report.schemaDriftSamples.length < SAMPLE_LIMIT) {
    report.schemaDriftSamples.push({
      runId,
      path: first?.path ?? "/",
      message: first?.message ?? "does not fit",
    });
  }
}

/** Merges `part` into `into` (in place). */
export function mergeReports(into: BacktestReport, part: BacktestReport): void {
  into.total += part.total;
  into.changed += part.changed;
  into.unchanged += part.unchanged;
  into.unresolved += part.unresolved;
  into.schemaDrift += part.schemaDrift;
  for (const [node, count] of Object.entries(part.unresolvedByNode)) {
    bump(into.unresolvedByNode, node, count);
  }
  for (const [node, count] of Object.entries(part.divergenceByNode)) {
    bump(into.divergenceByNode, node, count);
  }
  for (const item of part.switchChanges) addCount(into.switchChanges, item);
  for (const item of part.statusChanges) addCount(into.statusChanges, item);
  for (const item of part.outputMoves) addCount(into.outputMoves, item);
  into.schemaDriftSamples.push(...part.schemaDriftSamples);
  into.changedSamples.push(...part.changedSamples);
}

/**
 * The report in its stable form: lists sorted (by count, then by their text), samples sorted
 * and cut to 20, maps with sorted keys. Call once, after the last merge.
 */
export function finishReport(report: BacktestReport): BacktestReport {
  const byCount = <T extends { count: number }>(items: T[]): T[] =>
    [...items].sort((a, b) => b.count - a.count || keyOf(a).localeCompare(keyOf(b)));
  const sortedMap = (map: Record<string, number>) =>
    Object.fromEntries(Object.entries(map).sort(([a], [b]) => a.localeCompare(b)));
  return {
    ...report,
    unresolvedByNode: sortedMap(report.unresolvedByNode),
    divergenceByNode: sortedMap(report.divergenceByNode),
    switchChanges: byCount(report.switchChanges),
    statusChanges: byCount(report.statusChanges),
    outputMoves: byCount(report.outputMoves),
    schemaDriftSamples: [...report.schemaDriftSamples]
      .sort((a, b) => a.runId.localeCompare(b.runId))
      .slice(0, SAMPLE_LIMIT),
    changedSamples: [...report.changedSamples].sort().slice(0, SAMPLE_LIMIT),
  };
}

function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

/** The identity of a counted item: everything but its count, as JSON. */
function keyOf(item: { count: number }): string {
  return JSON.stringify({ ...item, count: 0 });
}

/** Each counted list's items by key, so adding to a long list stays cheap. */
const indexes = new WeakMap<object, Map<string, { count: number }>>();

/** Adds `item` to the list, summing the count of an equal item already there. */
function addCount<T extends { count: number }>(items: T[], item: T): void {
  let index = indexes.get(items) as Map<string, T> | undefined;
  if (index === undefined) {
    index = new Map(items.map((existing) => [keyOf(existing), existing]));
    indexes.set(items, index);
  }
  const key = keyOf(item);
  const existing = index.get(key);
  if (existing !== undefined) {
    existing.count += item.count;
    return;
  }
  const added = { ...item };
  items.push(added);
  index.set(key, added);
}
