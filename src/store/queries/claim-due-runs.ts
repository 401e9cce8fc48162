/**
 * Claims runs the worker must act on now: a task attempt that is due, or a timer that has
 * fired (DESIGN.md §8: claims with `FOR UPDATE SKIP LOCKED` and leases).
 *
 * One UPDATE … WHERE (tenant_id, id) IN (SELECT … LIMIT n) takes up to `limit` runs whose
 * `due_at` has passed and that nobody holds (no lease, or an expired one: its worker died),
 * and stamps them with this worker's lease. A task is left to workers that registered its
 * handler (`task_handler`), so a process without it never fails another process's task. On PostgreSQL the inner SELECT uses
 * `FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint runs without waiting on each
 * other; on SQLite the write transaction already excludes other writers. The partial index
 * `runs_due` holds only runs with something due, so the scan stays small however many runs
 * are finished or waiting on a signal. On PostgreSQL the statement is prepared once per
 * connection (`./prepared.ts`), so it runs on a generic plan that walks `runs_due` in order
 * and stops at the limit, rather than a plan for each call's values that could scan and sort
 * every due run (15–20 ms a claim at 20,000 due runs on a table without fresh statistics).
 */
import type { Kysely } from "kysely";
import type { DialectName } from "../store.js";
import type { StrataSchema } from "../schema.js";
import { RUN_COLUMNS } from "../run-rows.js";
import type { RunRow } from "../run-rows.js";
import { prepared } from "./prepared.js";

/** Leases up to `limit` due runs to `owner` until `leaseUntil`, oldest due first. */
export async function claimDueRuns(
  trx: Kysely<StrataSchema>,
  dialect: DialectName,
  options: {
    owner: string;
    now: string;
    leaseUntil: string;
    limit: number;
    handlers: readonly string[];
  },
): Promise<RunRow[]> {
  const due = trx
    .selectFrom("runs")
    .select(["tenant_id", "id"])
    .where("due_at", "<=", options.now)
    .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", options.now)]))
    // A task is only taken by a worker that has its handler; timers need none.
    .where((eb) =>
      options.handlers.length === 0
        ? eb("task_handler", "is", null)
        : eb.or([eb("task_handler", "is", null), eb("task_handler", "in", options.handlers)]),
    )
    .orderBy("due_at")
    .limit(options.limit)
    .$if(dialect === "postgres", (qb) => qb.forUpdate().skipLocked());
  const claim = trx
    .updateTable("runs")
    .set({ lease_owner: options.owner, lease_until: options.leaseUntil })
    .where((eb) => eb(eb.refTuple("tenant_id", "id"), "in", due.$asTuple("tenant_id", "id")))
    .returning(RUN_COLUMNS)
    .compile();
  // One text per process (its handlers are fixed): prepared once per connection.
  return (await trx.executeQuery(prepared(claim))).rows;
}
