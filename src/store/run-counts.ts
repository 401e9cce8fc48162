/**
 * Run counters (issue 17, migration 0010): how many runs each version has had, by rollout arm,
 * kind and status. Triggers on `runs` keep `run_counts` in the transaction that inserts a run
 * or changes its status, on both databases, so every path that writes a run (a start, a
 * worker's outcome, a cancel, a migration to another version) is counted without the code
 * that writes it knowing. A prune deletes runs but not their counts; it adds them to
 * `run_tallies` instead, which is what lets {@link recountRuns} recompute every counter from
 * the runs that are left.
 *
 * The readers here replace counting the runs: the versions list, a version's delete check,
 * rollout status and the guard read a few counter rows (one per key and slot) however many
 * runs there are.
 */
import { sql } from "kysely";
import type { StoreTransaction } from "./store.js";
import type { Executor } from "./workflow-rows.js";

/** A count of runs under one key. */
export interface RunCount {
  version_id: string;
  kind: string;
  status: string;
  count: number;
}

/**
 * Run counts of some versions, by version, kind and status, over every rollout arm: every
 * run each version ever had, pruned ones included, so counts, `drained` and L10's delete check
 * read the same after a prune as before. Reads the primary key's prefix
 * `(tenant_id, version_id)`.
 */
export async function countRunsByVersion(
  q: Executor,
  tenantId: string,
  versionIds: readonly string[],
): Promise<RunCount[]> {
  if (versionIds.length === 0) return [];
  const rows = await q
    .selectFrom("run_counts")
    .select(["version_id", "kind", "status"])
    .select((eb) => eb.fn.sum<number | string>("runs").as("count"))
    .where("tenant_id", "=", tenantId)
    .where("version_id", "in", versionIds)
    .groupBy(["version_id", "kind", "status"])
    .execute();
  return rows.map((row) => ({ ...row, count: Number(row.count) })).filter((row) => row.count > 0);
}

/** Production runs a rollout routed, by version and status (on `run_counts_by_rollout`). */
export async function countRolloutRuns(
  q: Executor,
  tenantId: string,
  rolloutId: string,
): Promise<Array<{ version_id: string; status: string; count: number }>> {
  if (rolloutId === "") return [];
  const rows = await q
    .selectFrom("run_counts")
    .select(["version_id", "status"])
    .select((eb) => eb.fn.sum<number | string>("runs").as("count"))
    .where("tenant_id", "=", tenantId)
    .where("rollout_id", "=", rolloutId)
    // Repeats the partial index's condition, so SQLite's planner can prove it applies.
    .where("rollout_id", "<>", sql.lit(""))
    .where("kind", "=", sql.lit("production"))
    .groupBy(["version_id", "status"])
    .execute();
  return rows
    .map((row) => ({ version_id: row.version_id, status: row.status, count: Number(row.count) }))
    .filter((row) => row.count > 0);
}

/** Removes a version's counters, with the version (L10 lets it go only when they sum to 0). */
export async function deleteVersionCounts(
  trx: StoreTransaction,
  tenantId: string,
  versionId: string,
): Promise<void> {
  await trx
    .deleteFrom("run_counts")
    .where("tenant_id", "=", tenantId)
    .where("version_id", "=", versionId)
    .execute();
}

/** A counter that disagrees with the runs: what it says, and what the runs say. */
export interface RunCountDifference {
  tenantId: string;
  versionId: string;
  /** '' for runs that no rollout routed. */
  rolloutId: string;
  kind: string;
  status: string;
  /** The counter's value (the sum of its slots). */
  counted: number;
  /** The runs stored under this key plus those pruned from it. */
  actual: number;
}

/**
 * Recomputes every counter from the runs stored and the prune tallies, and returns the keys
 * where the counters disagree (none, when the triggers did their work). It reads every run,
 * so it is a check (`strata doctor`, the tests after crashes and chaos), never a request's
 * work. One statement, so it compares one snapshot.
 */
export async function recountRuns(q: Executor, tenantId?: string): Promise<RunCountDifference[]> {
  const stored = q
    .selectFrom("runs")
    .select((eb) => [
      "tenant_id",
      eb.fn.coalesce("version_id", sql.lit("")).as("version_id"),
      eb.fn.coalesce("rollout_id", sql.lit("")).as("rollout_id"),
      "kind",
      "status",
      sql<number | string>`0`.as("counted"),
      eb.fn.countAll<number | string>().as("actual"),
    ])
    .where("version_id", "is not", null)
    .$if(tenantId !== undefined, (qb) => qb.where("tenant_id", "=", tenantId ?? ""))
    .groupBy(["tenant_id", "version_id", "rollout_id", "kind", "status"]);
  const pruned = q
    .selectFrom("run_tallies")
    .select([
      "tenant_id",
      "version_id",
      "rollout_id",
      "kind",
      "status",
      sql<number | string>`0`.as("counted"),
      "pruned as actual",
    ])
    .$if(tenantId !== undefined, (qb) => qb.where("tenant_id", "=", tenantId ?? ""));
  const counted = q
    .selectFrom("run_counts")
    .select([
      "tenant_id",
      "version_id",
      "rollout_id",
      "kind",
      "status",
      "runs as counted",
      sql<number | string>`0`.as("actual"),
    ])
    .$if(tenantId !== undefined, (qb) => qb.where("tenant_id", "=", tenantId ?? ""));
  const rows = await q
    .selectFrom(stored.unionAll(pruned).unionAll(counted).as("all_counts"))
    .select(["tenant_id", "version_id", "rollout_id", "kind", "status"])
    .select((eb) => [
      eb.fn.sum<number | string>("counted").as("counted"),
      eb.fn.sum<number | string>("actual").as("actual"),
    ])
    .groupBy(["tenant_id", "version_id", "rollout_id", "kind", "status"])
    .having((eb) => eb(eb.fn.sum("counted"), "<>", eb.fn.sum("actual")))
    .orderBy("tenant_id")
    .orderBy("version_id")
    .orderBy("rollout_id")
    .orderBy("kind")
    .orderBy("status")
    .execute();
  return rows.map((row) => ({
    tenantId: row.tenant_id,
    versionId: row.version_id,
    rolloutId: row.rollout_id,
    kind: row.kind,
    status: row.status,
    counted: Number(row.counted),
    actual: Number(row.actual),
  }));
}

/**
 * Sets the counters to what the runs say ({@link recountRuns}'s `actual`), for the keys that
 * differ: `strata doctor --repair`. Runs in the caller's transaction, which on SQLite holds the
 * write lock, so no run changes between the recount and the repair; on PostgreSQL the caller
 * locks `runs` against writes first. The repaired value goes to slot 0, the other slots of the
 * key to 0.
 */
export async function repairRunCounts(
  trx: StoreTransaction,
  differences: readonly RunCountDifference[],
): Promise<void> {
  for (const diff of differences) {
    const key = (qb: Executor) =>
      qb
        .deleteFrom("run_counts")
        .where("tenant_id", "=", diff.tenantId)
        .where("version_id", "=", diff.versionId)
        .where("rollout_id", "=", diff.rolloutId)
        .where("kind", "=", diff.kind as "production" | "test")
        .where("status", "=", diff.status as "running");
    await key(trx).execute();
    if (diff.actual === 0) continue;
    await trx
      .insertInto("run_counts")
      .values({
        tenant_id: diff.tenantId,
        version_id: diff.versionId,
        rollout_id: diff.rolloutId,
        kind: diff.kind as "production" | "test",
        status: diff.status as "running",
        slot: 0,
        runs: diff.actual,
      })
      .execute();
  }
}
