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
import type { CompiledQuery, Kysely } from "kysely";
import { LruCache } from "../../core/lru-cache.js";
import type { DialectName } from "../store.js";
import type { StrataSchema } from "../schema.js";
import type { RunRow } from "../run-rows.js";
import { prepared } from "./prepared.js";

/**
 * The columns an attempt reads: what it runs (snapshot, definition), how it commits (key,
 * revision, trace and start time) and what it reports (workflow, version, kind, status).
 * Returning the rest too (input, route, output, idempotency key…) was most of each claimed
 * row, copied to the worker for nothing (issue 16).
 */
export const CLAIMED_COLUMNS = [
  "tenant_id",
  "id",
  "workflow_id",
  "version_id",
  "draft_id",
  "version_number",
  "kind",
  "status",
  "definition_hash",
  "draft_definition",
  "snapshot",
  "trace",
  "rev",
  "created_at",
] as const satisfies readonly (keyof RunRow)[];

/** A claimed run: the columns of {@link CLAIMED_COLUMNS}. */
export type ClaimedRow = Pick<RunRow, (typeof CLAIMED_COLUMNS)[number]>;

/** The claim's per-call values, as placeholders while its text is compiled once. */
const NOW = "\u0000strata:now";
const LEASE_UNTIL = "\u0000strata:lease-until";

/** A compiled claim, and where its per-call values go among its parameters. */
interface ClaimTemplate {
  query: CompiledQuery<ClaimedRow>;
  nowAt: number[];
  leaseUntilAt: number[];
}

/**
 * Compiled claims by dialect, owner, limit and handlers: a worker claims with the same of each
 * again and again, and building the query through Kysely cost more than running it on SQLite
 * (about 130 µs a claim, issue 16). A process has one owner per executor and a few limits.
 */
const templates = new LruCache<string, ClaimTemplate>(64);

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
): Promise<ClaimedRow[]> {
  const key = [dialect, options.owner, options.limit, ...options.handlers].join("\u0000");
  let template = templates.get(key);
  if (template === undefined) {
    template = compileClaim(trx, dialect, options);
    templates.set(key, template);
  }
  const parameters = [...template.query.parameters];
  for (const at of template.nowAt) parameters[at] = options.now;
  for (const at of template.leaseUntilAt) parameters[at] = options.leaseUntil;
  return (await trx.executeQuery<ClaimedRow>({ ...template.query, parameters })).rows;
}

function compileClaim(
  trx: Kysely<StrataSchema>,
  dialect: DialectName,
  options: { owner: string; limit: number; handlers: readonly string[] },
): ClaimTemplate {
  const due = trx
    .selectFrom("runs")
    .select(["tenant_id", "id"])
    .where("due_at", "<=", NOW)
    .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", NOW)]))
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
    .set({ lease_owner: options.owner, lease_until: LEASE_UNTIL })
    .where((eb) => eb(eb.refTuple("tenant_id", "id"), "in", due.$asTuple("tenant_id", "id")))
    .returning(CLAIMED_COLUMNS)
    .compile();
  // One text per process (its handlers are fixed): prepared once per connection.
  const query = prepared(claim) as CompiledQuery<ClaimedRow>;
  const positions = (value: string) =>
    query.parameters.flatMap((parameter, at) => (parameter === value ? [at] : []));
  return { query, nowAt: positions(NOW), leaseUntilAt: positions(LEASE_UNTIL) };
}
