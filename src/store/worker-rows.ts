/**
 * The `workers` table: each process with a worker loop upserts its row on every heartbeat
 * and deletes it when it stops. A row whose heartbeat is older than three of its intervals
 * belongs to a process that died without saying so; heartbeats of the living remove such
 * rows after an hour, so the table stays as small as the fleet.
 */
import type { Kysely } from "kysely";
import type { StrataSchema, WorkersTable } from "./schema.js";

/** How long a dead process's row is kept for `worker list` before a heartbeat removes it. */
export const LOST_WORKER_KEPT_MS = 60 * 60_000;

/** Writes this process's row (insert or update). */
export async function upsertWorker(db: Kysely<StrataSchema>, row: WorkersTable): Promise<void> {
  await db
    .insertInto("workers")
    .values(row)
    .onConflict((oc) =>
      oc.column("id").doUpdateSet({
        handlers: row.handlers,
        concurrency: row.concurrency,
        in_flight: row.in_flight,
        heartbeat_at: row.heartbeat_at,
      }),
    )
    .execute();
}

/** Deletes rows whose heartbeat is older than `before` (processes long gone). */
export async function deleteLostWorkers(db: Kysely<StrataSchema>, before: string): Promise<void> {
  await db.deleteFrom("workers").where("heartbeat_at", "<", before).execute();
}

/** Deletes one process's row (it stopped). */
export async function deleteWorker(db: Kysely<StrataSchema>, id: string): Promise<void> {
  await db.deleteFrom("workers").where("id", "=", id).execute();
}

/** Every row, most recently started first. */
export function listWorkerRows(db: Kysely<StrataSchema>): Promise<WorkersTable[]> {
  return db.selectFrom("workers").selectAll().orderBy("started_at", "desc").execute();
}
