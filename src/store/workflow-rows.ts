/** Reads and writes of the `workflows` and `live_routes` tables. */
import type { Kysely, Selectable } from "kysely";
import { hasIdPrefix } from "../core/ids.js";
import type { StrataSchema, WorkflowsTable } from "./schema.js";
import type { DialectName, StoreTransaction } from "./store.js";

/** A row of `workflows`. */
export type WorkflowRow = Selectable<WorkflowsTable>;

/** A query executor: the database itself or a transaction. */
export type Executor = Kysely<StrataSchema> | StoreTransaction;

/**
 * Finds a workflow by id or key. With `lockFor` the row is locked until the transaction ends
 * (PostgreSQL `FOR UPDATE`; SQLite's BEGIN IMMEDIATE already serialises writers), which
 * orders every change to one workflow: publishes, saves and retires queue behind each other.
 */
export async function findWorkflow(
  q: Executor,
  tenantId: string,
  ref: string,
  lockFor?: DialectName,
): Promise<WorkflowRow | undefined> {
  const byId = hasIdPrefix(ref, "wfl");
  return q
    .selectFrom("workflows")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where(byId ? "id" : "key", "=", ref)
    .$if(lockFor === "postgres", (qb) => qb.forUpdate())
    .executeTakeFirst();
}

/** The id of the version on a workflow's live route, or null when the route is empty. */
export async function findLiveVersionId(
  q: Executor,
  tenantId: string,
  workflowId: string,
): Promise<string | null> {
  const row = await q
    .selectFrom("live_routes")
    .select("version_id")
    .where("tenant_id", "=", tenantId)
    .where("workflow_id", "=", workflowId)
    .executeTakeFirst();
  return row?.version_id ?? null;
}

/** Points the live route at a version, or empties it with `null`. */
export async function setLiveRoute(
  trx: StoreTransaction,
  tenantId: string,
  workflowId: string,
  versionId: string | null,
  now: string,
): Promise<void> {
  await trx
    .deleteFrom("live_routes")
    .where("tenant_id", "=", tenantId)
    .where("workflow_id", "=", workflowId)
    .execute();
  if (versionId === null) return;
  await trx
    .insertInto("live_routes")
    .values({
      tenant_id: tenantId,
      workflow_id: workflowId,
      version_id: versionId,
      updated_at: now,
    })
    .execute();
}

/** The facts a workflow view shows beside its row. */
export interface WorkflowSummaryRow extends WorkflowRow {
  live_number: number | null;
  latest_number: number | null;
  draft_revision: number | null;
}

/**
 * Workflows with their live, LATEST and draft facts computed in the same read (DESIGN.md §8:
 * derived facts are never cached in a column). Ordered by key; `afterKey` pages.
 */
export async function listWorkflowSummaries(
  q: Executor,
  tenantId: string,
  options: { ids?: string[]; afterKey?: string; limit?: number } = {},
): Promise<WorkflowSummaryRow[]> {
  return q
    .selectFrom("workflows as w")
    .selectAll("w")
    .select((eb) => [
      eb
        .selectFrom("live_routes as r")
        .innerJoin("versions as v", (join) =>
          join.onRef("v.tenant_id", "=", "r.tenant_id").onRef("v.id", "=", "r.version_id"),
        )
        .select("v.number")
        .whereRef("r.tenant_id", "=", "w.tenant_id")
        .whereRef("r.workflow_id", "=", "w.id")
        .as("live_number"),
      eb
        .selectFrom("versions as v")
        .select((inner) => inner.fn.max("v.number").as("n"))
        .whereRef("v.tenant_id", "=", "w.tenant_id")
        .whereRef("v.workflow_id", "=", "w.id")
        .where("v.published_at", "is not", null)
        .where("v.retired_at", "is", null)
        .as("latest_number"),
      eb
        .selectFrom("versions as v")
        .select("v.revision")
        .whereRef("v.tenant_id", "=", "w.tenant_id")
        .whereRef("v.workflow_id", "=", "w.id")
        .where("v.published_at", "is", null)
        .as("draft_revision"),
    ])
    .where("w.tenant_id", "=", tenantId)
    .$if(options.ids !== undefined, (qb) => qb.where("w.id", "in", options.ids ?? []))
    .$if(options.afterKey !== undefined, (qb) => qb.where("w.key", ">", options.afterKey ?? ""))
    .orderBy("w.key")
    .$if(options.limit !== undefined, (qb) => qb.limit(options.limit ?? 0))
    .execute();
}
