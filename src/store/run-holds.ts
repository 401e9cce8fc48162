/**
 * What keeps a finished run from being pruned, besides an audit event naming it (asked per
 * run in `queries/prune-runs.ts`): a backtest report's samples, a backtest still to run over
 * the workflow's runs, and an active rollout whose guard and figures count its runs. All are
 * small reads by the tenant's key prefix, done once per batch. And the tenants a retention
 * round visits.
 */
import { sql } from "kysely";
import type { BacktestReport } from "../core/replay/backtest-report.js";
import type { Executor } from "./workflow-rows.js";

/** A backtest still to run, as literals in the SQL. */
const PENDING = (["queued", "running"] as const).map((status) => sql.lit(status));

/** The ids of the tenant's active rollouts (`rollouts_one_active` holds only those). */
export async function activeRolloutIds(q: Executor, tenantId: string): Promise<Set<string>> {
  const rows = await q
    .selectFrom("rollouts")
    .select("id")
    .where("tenant_id", "=", tenantId)
    .where("status", "=", sql.lit("active"))
    .execute();
  return new Set(rows.map((row) => row.id));
}

/**
 * The workflows with a backtest queued or running: such a job reads the workflow's finished
 * production runs when it runs, so pruning them meanwhile would change its report.
 */
export async function workflowsWithPendingBacktests(
  q: Executor,
  tenantId: string,
): Promise<Set<string>> {
  const rows = await q
    .selectFrom("backtests")
    .select("workflow_id")
    .distinct()
    .where("tenant_id", "=", tenantId)
    .where("status", "in", PENDING)
    .execute();
  return new Set(rows.map((row) => row.workflow_id));
}

/** The ids of the tenant's backtests that have a report. */
export async function backtestIdsWithReports(q: Executor, tenantId: string): Promise<string[]> {
  const rows = await q
    .selectFrom("backtests")
    .select("id")
    .where("tenant_id", "=", tenantId)
    .where("report", "is not", null)
    .execute();
  return rows.map((row) => row.id);
}

/** How many reports one read parses at most (a report is a few kilobytes). */
const REPORTS_PER_QUERY = 200;

/**
 * The runs the given backtests' reports name: their samples of changed runs and of runs
 * refused for schema drift (`strata replay` is how a reader follows them up).
 */
export async function runsNamedByBacktests(
  q: Executor,
  tenantId: string,
  backtestIds: readonly string[],
): Promise<Set<string>> {
  const named = new Set<string>();
  for (let start = 0; start < backtestIds.length; start += REPORTS_PER_QUERY) {
    const rows = await q
      .selectFrom("backtests")
      .select("report")
      .where("tenant_id", "=", tenantId)
      .where("id", "in", backtestIds.slice(start, start + REPORTS_PER_QUERY))
      .execute();
    for (const row of rows) {
      if (row.report === null) continue;
      const report = JSON.parse(row.report) as Partial<BacktestReport>;
      for (const id of report.changedSamples ?? []) named.add(id);
      for (const sample of report.schemaDriftSamples ?? []) named.add(sample.runId);
    }
  }
  return named;
}

/** Every tenant with a workflow (and so possibly runs), in key order. */
export async function listTenantIds(q: Executor): Promise<string[]> {
  const rows = await q
    .selectFrom("workflows")
    .select("tenant_id")
    .distinct()
    .orderBy("tenant_id")
    .execute();
  return rows.map((row) => row.tenant_id);
}
