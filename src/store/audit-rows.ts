/**
 * The audit log's table access. Appending locks the tenant's head row, so a tenant's events
 * get consecutive `seq` numbers and each chains to the one before, even with many writers.
 */
import type { Selectable } from "kysely";
import { chainHash, GENESIS_HASH } from "../core/audit-chain.js";
import type { AuditEventContent, ChainHead } from "../core/audit-chain.js";
import { newId } from "../core/ids.js";
import type { AuditEvent } from "../core/model.js";
import type { AuditEventsTable } from "./schema.js";
import type { DialectName, StoreTransaction } from "./store.js";
import type { Executor } from "./workflow-rows.js";

/** What a change records; the chain fields are filled in by {@link appendAuditEvent}. */
export interface AuditEntry {
  tenantId: string;
  actor: string;
  actorTokenId?: string | null;
  action: string;
  workflowId: string | null;
  subjectId: string | null;
  before?: unknown;
  after?: unknown;
  at: string;
}

/** Appends one event to the tenant's chain, in the caller's transaction (L14). */
export async function appendAuditEvent(
  trx: StoreTransaction,
  dialect: DialectName,
  entry: AuditEntry,
): Promise<AuditEvent> {
  const head = await lockAuditHead(trx, dialect, entry.tenantId);
  const content: AuditEventContent = {
    id: newId("evt"),
    seq: head.seq + 1,
    at: entry.at,
    actor: entry.actor,
    actorTokenId: entry.actorTokenId ?? null,
    action: entry.action,
    workflowId: entry.workflowId,
    subjectId: entry.subjectId,
    before: entry.before ?? null,
    after: entry.after ?? null,
  };
  const hash = chainHash(head.hash, content);
  await trx
    .insertInto("audit_events")
    .values({
      tenant_id: entry.tenantId,
      seq: content.seq,
      id: content.id,
      at: content.at,
      actor: content.actor,
      actor_token_id: content.actorTokenId,
      action: content.action,
      workflow_id: content.workflowId,
      subject_id: content.subjectId,
      before: JSON.stringify(content.before),
      after: JSON.stringify(content.after),
      prev_hash: head.hash,
      hash,
    })
    .execute();
  await trx
    .updateTable("audit_heads")
    .set({ seq: content.seq, hash })
    .where("tenant_id", "=", entry.tenantId)
    .execute();
  return { ...content, prevHash: head.hash, hash };
}

/** Reads the tenant's head row under a lock, creating it for the tenant's first event. */
async function lockAuditHead(
  trx: StoreTransaction,
  dialect: DialectName,
  tenantId: string,
): Promise<ChainHead> {
  await trx
    .insertInto("audit_heads")
    .values({ tenant_id: tenantId, seq: 0, hash: GENESIS_HASH })
    .onConflict((oc) => oc.column("tenant_id").doNothing())
    .execute();
  return trx
    .selectFrom("audit_heads")
    .select(["seq", "hash"])
    .where("tenant_id", "=", tenantId)
    .$if(dialect === "postgres", (qb) => qb.forUpdate())
    .executeTakeFirstOrThrow();
}

/** Maps a stored row to the public event. */
export function toAuditEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: row.id,
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor,
    actorTokenId: row.actor_token_id,
    action: row.action,
    workflowId: row.workflow_id,
    subjectId: row.subject_id,
    before: row.before === null ? null : (JSON.parse(row.before) as unknown),
    after: row.after === null ? null : (JSON.parse(row.after) as unknown),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** Which events {@link listAuditRows} reads. */
export interface AuditFilter {
  workflowId?: string;
  afterSeq?: number;
  uptoSeq?: number;
  limit?: number;
}

/** Events of a tenant in chain order, optionally of one workflow, after a position. */
export async function listAuditRows(
  q: Executor,
  tenantId: string,
  options: AuditFilter = {},
): Promise<AuditEvent[]> {
  return (await auditListQuery(q, tenantId, options).execute()).map(toAuditEvent);
}

/**
 * The query of {@link listAuditRows}: the cursor is a position in the chain, `seq > ?`, one
 * range bound on the primary key (tenant_id, seq) or on `audit_events_by_workflow`
 * (tenant_id, workflow_id, seq).
 */
export function auditListQuery(q: Executor, tenantId: string, options: AuditFilter = {}) {
  return q
    .selectFrom("audit_events")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .$if(options.workflowId !== undefined, (qb) =>
      qb.where("workflow_id", "=", options.workflowId ?? ""),
    )
    .$if(options.afterSeq !== undefined, (qb) => qb.where("seq", ">", options.afterSeq ?? 0))
    .$if(options.uptoSeq !== undefined, (qb) => qb.where("seq", "<=", options.uptoSeq ?? 0))
    .orderBy("seq")
    .$if(options.limit !== undefined, (qb) => qb.limit(options.limit ?? 0));
}

/** The tenant's chain head, or null before its first event. */
export async function readAuditHead(q: Executor, tenantId: string): Promise<ChainHead | null> {
  const row = await q
    .selectFrom("audit_heads")
    .select(["seq", "hash"])
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  return row === undefined ? null : { seq: Number(row.seq), hash: row.hash };
}
