/**
 * Backtest jobs as the API returns them (`GET /v1/backtests/{id}`): src/services/backtest-
 * service.ts's `Backtest` and src/core/replay/backtest-report.ts's `BacktestReport`, written
 * out here. The console may not import services, and importing the report's module would type-
 * check the replay interpreter's Node-only modules into the browser build's program; a type
 * test in test/console-rollout.test.ts keeps both copies equal to their sources.
 */

/** A backtest's report: many replays summed up. */
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
  schemaDriftSamples: Array<{ runId: string; path: string; message: string }>;
  /** Switch decisions that differ, by `node: before → after`. */
  switchChanges: Array<{ node: string; from: string; to: string; count: number }>;
  /** Runs whose path first diverges at a node (the original's node there). */
  divergenceByNode: Record<string, number>;
  statusChanges: Array<{ from: string; to: string; count: number }>;
  /** Output fields that moved, most frequent first. */
  outputMoves: Array<{ field: string; before: unknown; after: unknown; count: number }>;
  /** Up to 20 changed runs. */
  changedSamples: string[];
}

/** Where a backtest job stands. */
export type BacktestStatus = "queued" | "running" | "completed" | "failed" | "cancelled";

/** A backtest job, with its progress and, once done, its report. */
export interface Backtest {
  id: string;
  workflowId: string;
  target: number | "draft";
  /** Only runs of this version, or (null) of every version. */
  sourceVersion: number | null;
  since: string | null;
  /** Runs that started after this (the job's creation) are not part of it. */
  until: string;
  limit: number;
  adapter: string | null;
  status: BacktestStatus;
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

/** Whether a job may still change (the pages poll it and offer to cancel it). */
export const isUnderWay = (job: Backtest): boolean =>
  job.status === "queued" || job.status === "running";

/** A backtest's target as the console writes it. */
export const targetName = (target: Backtest["target"]): string =>
  target === "draft" ? "draft" : `v${target}`;
