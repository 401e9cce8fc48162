/** Reads and writes of `reviews` (0011_reviews, ADR 0015). */
import type { Insertable, Selectable } from "kysely";
import type { Review } from "../core/model.js";
import type { ReviewsTable } from "./schema.js";
import type { StoreTransaction } from "./store.js";
import type { Executor } from "./workflow-rows.js";

/** A row of `reviews`. */
export type ReviewRow = Selectable<ReviewsTable>;

/** Records one review. */
export async function insertReview(
  trx: StoreTransaction,
  row: Insertable<ReviewsTable>,
): Promise<void> {
  await trx.insertInto("reviews").values(row).execute();
}

/** The next review's `seq` for a draft; call it under the draft's lock. */
export async function nextReviewSeq(
  trx: StoreTransaction,
  tenantId: string,
  versionId: string,
): Promise<number> {
  const row = await trx
    .selectFrom("reviews")
    .select((eb) => eb.fn.max("seq").as("last"))
    .where("tenant_id", "=", tenantId)
    .where("version_id", "=", versionId)
    .executeTakeFirst();
  return Number(row?.last ?? 0) + 1;
}

/** The reviews of one draft or version, in the order they were given (a draft has a handful). */
export async function listReviewRows(
  q: Executor,
  tenantId: string,
  versionId: string,
): Promise<ReviewRow[]> {
  return q
    .selectFrom("reviews")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("version_id", "=", versionId)
    .orderBy("seq")
    .execute();
}

/** Removes the reviews of a draft (a revert or a discard); how many there were. */
export async function deleteReviews(
  trx: StoreTransaction,
  tenantId: string,
  versionId: string,
): Promise<number> {
  const result = await trx
    .deleteFrom("reviews")
    .where("tenant_id", "=", tenantId)
    .where("version_id", "=", versionId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** A row as the public object; `revision` is the draft's now (older reviews are stale). */
export function toReview(row: ReviewRow, revision: number): Review {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    versionId: row.version_id,
    revision: row.revision,
    decision: row.decision,
    actor: row.actor,
    actorTokenId: row.actor_token_id,
    note: row.note,
    at: row.at,
    seq: Number(row.seq),
    stale: row.revision !== revision,
  };
}
