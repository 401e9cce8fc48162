/**
 * Backtest jobs as the API returns them (`GET /v1/backtests/{id}`), typed by core's own
 * declarations, and what the pages need to know about one.
 */
import type { Backtest } from "../../src/core/replay/backtest-report.js";

export type { Backtest, BacktestReport } from "../../src/core/replay/backtest-report.js";

/** Where a backtest job stands. */
export type BacktestStatus = Backtest["status"];

/** Whether a job may still change (the pages poll it and offer to cancel it). */
export const isUnderWay = (job: Backtest): boolean =>
  job.status === "queued" || job.status === "running";
