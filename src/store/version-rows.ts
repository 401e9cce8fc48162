/** Reads and writes of the `versions` table (drafts and published versions) and run counts. */
import { sql } from "kysely";
import type { Insertable, Selectable } from "kysely";
import type { Approval } from "../core/model.js";
import type { VersionsTable } from "./schema.js";
import type { StoreTransaction } from "./store.js";
import type { Executor } from "./workflow-rows.js";

/** A row of `versions`. */
export type VersionRow = Selectable<VersionsTable>;

/** The workflow's open draft, if any. */
export async function findDraft(
  q: Executor,
  tenantId: string,
  workflowId: string,
): Promise<VersionRow | undefined> {
  return q
    .selectFrom("versions")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("workflow_id", "=", workflowId)
    .where("published_at", "is", null)
    .executeTakeFirst();
}

/** A published or retired version by its number. */
export async function findVersionByNumber(
  q: Executor,
  tenantId: string,
  workflowId: string,
  number: number,
): Promise<VersionRow | undefined> {
  return q
    .selectFrom("versions")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("workflow_id", "=", workflowId)
    .where("number", "=", number)
    .executeTakeFirst();
}

/** A version (or draft) by id. */
export async function findVersionById(
  q: Executor,
  tenantId: string,
  id: string,
): Promise<VersionRow | undefined> {
  return q
    .selectFrom("versions")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** Every version of a workflow, the draft first, then by number, newest first. */
export async function listVersionRows(
  q: Executor,
  tenantId: string,
  workflowId: string,
): Promise<VersionRow[]> {
  const rows = await q
    .selectFrom("versions")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("workflow_id", "=", workflowId)
    .orderBy("number", "desc")
    .execute();
  return rows.sort((a, b) => (b.number ?? Infinity) - (a.number ?? Infinity));
}

/** The highest-numbered version in any state (the one a new version follows). */
export async function findNewestVersion(
  q: Executor,
  tenantId: string,
  workflowId: string,
): Promise<VersionRow | undefined> {
  return q
    .selectFrom("versions")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("workflow_id", "=", workflowId)
    .where("number", "is not", null)
    .orderBy("number", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** Whether any published version, retired or not, exists. */
export async function hasPublishedVersions(
  q: Executor,
  tenantId: string,
  workflowId: string,
): Promise<boolean> {
  const row = await q
    .selectFrom("versions")
    .select("id")
    .where("tenant_id", "=", tenantId)
    .where("workflow_id", "=", workflowId)
    .where("published_at", "is not", null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** How many hashes one lookup binds: far below SQLite's (32,766) and PostgreSQL's (65,535). */
const HASHES_PER_QUERY = 500;

/**
 * The stored definitions (canonical JSON text) of the tenant's versions and drafts with the
 * given hashes, by hash, in a few queries of many hashes each rather than one per hash.
 * Hashes no version holds any more are absent; a definition kept by two versions comes once.
 * There is no index on `hash`: each query reads the tenant's versions through the primary
 * key's `tenant_id` prefix, which suits a rare export over a tenant's thousands of versions.
 */
export async function findDefinitionsByHash(
  q: Executor,
  tenantId: string,
  hashes: readonly string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let start = 0; start < hashes.length; start += HASHES_PER_QUERY) {
    const rows = await q
      .selectFrom("versions")
      .select(["hash", "definition"])
      .where("tenant_id", "=", tenantId)
      .where("hash", "in", hashes.slice(start, start + HASHES_PER_QUERY))
      .execute();
    for (const row of rows) if (!found.has(row.hash)) found.set(row.hash, row.definition);
  }
  return found;
}

/** Inserts a version row (a new draft). */
export async function insertVersion(
  trx: StoreTransaction,
  row: Insertable<VersionsTable>,
): Promise<void> {
  await trx.insertInto("versions").values(row).execute();
}

/** A new draft: its definition (canonical JSON), hash, base version and author. */
export interface NewDraft {
  tenantId: string;
  id: string;
  workflowId: string;
  definition: string;
  hash: string;
  base: { id: string; number: number | null } | null;
  actor: string;
  now: string;
}

/** Inserts a draft row (revision 1, no number). */
export async function insertDraft(trx: StoreTransaction, draft: NewDraft): Promise<void> {
  await insertVersion(trx, {
    tenant_id: draft.tenantId,
    id: draft.id,
    workflow_id: draft.workflowId,
    number: null,
    definition: draft.definition,
    hash: draft.hash,
    description: null,
    summary: null,
    base_version_id: draft.base?.id ?? null,
    base_number: draft.base?.number ?? null,
    created_at: draft.now,
    created_by: draft.actor,
    updated_at: draft.now,
    last_edited_by: draft.actor,
    published_at: null,
    retired_at: null,
    // Who edited it since it was opened, the opener first (ADR 0015: none of them approves it).
    editors: JSON.stringify([draft.actor]),
    approved_by: null,
  });
}

/** The fields a draft save or revert changes. */
export interface DraftEdit {
  definition: string;
  hash: string;
  baseVersionId?: string | null;
  baseNumber?: number | null;
  editedBy: string;
  /** Everyone who edited the draft since it was opened, with this edit's author (JSON). */
  editors: string;
  now: string;
}

/**
 * Saves a draft only if it is still at `revision` (compare-and-set): two editors never
 * silently overwrite each other (L5). Returns whether the row was updated.
 */
export async function updateDraftAtRevision(
  trx: StoreTransaction,
  tenantId: string,
  draftId: string,
  revision: number,
  edit: DraftEdit,
): Promise<boolean> {
  const result = await trx
    .updateTable("versions")
    .set((eb) => ({
      definition: edit.definition,
      hash: edit.hash,
      revision: eb("revision", "+", 1),
      updated_at: edit.now,
      last_edited_by: edit.editedBy,
      editors: edit.editors,
      ...(edit.baseVersionId === undefined ? {} : { base_version_id: edit.baseVersionId }),
      ...(edit.baseNumber === undefined ? {} : { base_number: edit.baseNumber }),
    }))
    .where("tenant_id", "=", tenantId)
    .where("id", "=", draftId)
    .where("revision", "=", revision)
    .where("published_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Turns the draft row into published version `number`. */
export async function markPublished(
  trx: StoreTransaction,
  tenantId: string,
  draftId: string,
  fields: {
    number: number;
    description: string | null;
    summary: string;
    actor: string;
    /** The approvals the publish consumed. */
    approvedBy: readonly Approval[];
    now: string;
  },
): Promise<void> {
  await trx
    .updateTable("versions")
    .set({
      number: fields.number,
      published_at: fields.now,
      description: fields.description,
      summary: fields.summary,
      updated_at: fields.now,
      last_edited_by: fields.actor,
      approved_by: fields.approvedBy.length === 0 ? null : JSON.stringify(fields.approvedBy),
    })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", draftId)
    .where("published_at", "is", null)
    .execute();
}

/** Sets or clears a version's `retired_at`. */
export async function setRetiredAt(
  trx: StoreTransaction,
  tenantId: string,
  versionId: string,
  retiredAt: string | null,
  now: string,
): Promise<void> {
  await trx
    .updateTable("versions")
    .set({ retired_at: retiredAt, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", versionId)
    .execute();
}

/** Deletes a version row (a discarded draft or a deleted retired version). */
export async function deleteVersionRow(
  trx: StoreTransaction,
  tenantId: string,
  versionId: string,
): Promise<void> {
  // Its reviews go with it (a published version's are its history, a draft's its working state).
  await trx
    .deleteFrom("reviews")
    .where("tenant_id", "=", tenantId)
    .where("version_id", "=", versionId)
    .execute();
  await trx
    .deleteFrom("versions")
    .where("tenant_id", "=", tenantId)
    .where("id", "=", versionId)
    .execute();
}

/** Deletes the test runs of a draft (when it is discarded); returns how many. */
export async function deleteRunsOfDraft(
  trx: StoreTransaction,
  tenantId: string,
  draftId: string,
): Promise<number> {
  const result = await trx
    .deleteFrom("runs")
    .where("tenant_id", "=", tenantId)
    .where("draft_id", "=", draftId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * LATEST now (`current`, a version id) and what it would be without version `excludedId`
 * (`next`, a number), for the impact of retiring it.
 */
export async function findNewestUnretired(
  q: Executor,
  tenantId: string,
  workflowId: string,
  excludedId: string,
): Promise<{ current: string | null; next: number | null }> {
  const rows = await q
    .selectFrom("versions")
    .select(["id", "number"])
    .where("tenant_id", "=", tenantId)
    .where("workflow_id", "=", workflowId)
    .where("published_at", "is not", null)
    .where("retired_at", "is", null)
    .orderBy("number", "desc")
    .limit(2)
    .execute();
  const next = rows.find((row) => row.id !== excludedId);
  return { current: rows[0]?.id ?? null, next: next?.number ?? null };
}

/**
 * The runs in flight on a version, as literals: SQLite uses the partial index
 * `runs_open_by_version … WHERE status IN ('running', 'waiting')` only when the query's
 * condition is written the same way (a bound parameter never proves it).
 */
export const OPEN_STATUSES = [sql.lit("running" as const), sql.lit("waiting" as const)];

/**
 * The ids of the runs in flight on a version (up to `limit`), and how many there are: reads
 * `runs_open_by_version` (0010), which holds only runs in flight.
 */
export async function listOpenRunIds(
  q: Executor,
  tenantId: string,
  versionId: string,
  limit: number,
): Promise<{ count: number; ids: string[] }> {
  const open = (qb: Executor) =>
    qb
      .selectFrom("runs")
      .where("tenant_id", "=", tenantId)
      .where("version_id", "=", versionId)
      .where("status", "in", OPEN_STATUSES);
  const ids = await open(q).select("id").orderBy("created_at").limit(limit).execute();
  const count = await open(q)
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .executeTakeFirst();
  return { count: Number(count?.count ?? 0), ids: ids.map((row) => row.id) };
}
