/** Reads of the `backtests` table that pages need. */
import type { Selectable } from "kysely";
import type { BacktestsTable } from "./schema.js";
import type { Executor } from "./workflow-rows.js";

/** Which backtests a page shows: optionally one workflow's, older than a cursor. */
export interface BacktestFilter {
  workflowId?: string;
  /** The id of the last backtest of the previous page. */
  beforeId?: string;
  limit: number;
}

/**
 * Backtests newest first. Ids are time-ordered (typeids hold a UUIDv7), so the order is the
 * id's and the cursor one range bound on an index that ends in `id`: the primary key, or
 * `backtests_by_workflow` (migration 0009).
 */
export function backtestListQuery(q: Executor, tenantId: string, filter: BacktestFilter) {
  return q
    .selectFrom("backtests")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .$if(filter.workflowId !== undefined, (qb) =>
      qb.where("workflow_id", "=", filter.workflowId ?? ""),
    )
    .$if(filter.beforeId !== undefined, (qb) => qb.where("id", "<", filter.beforeId ?? ""))
    .orderBy("id", "desc")
    .limit(filter.limit);
}

/** One page of backtests (see {@link backtestListQuery}). */
export function listBacktestRows(
  q: Executor,
  tenantId: string,
  filter: BacktestFilter,
): Promise<Selectable<BacktestsTable>[]> {
  return backtestListQuery(q, tenantId, filter).execute();
}
