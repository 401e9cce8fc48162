/**
 * `run_tallies`: the runs a prune removed, counted by version, rollout, kind and status. The
 * run counters (`run_counts`, src/store/run-counts.ts) keep counting pruned runs by themselves;
 * the tallies are what lets a check recompute those counters from the runs that are left.
 */
import type { StoreTransaction } from "./store.js";

/** Runs of one version, rollout, kind and finished status that a prune removed. */
export interface PrunedCount {
  versionId: string;
  /** The rollout that routed them, '' for none. */
  rolloutId: string;
  kind: "production" | "test";
  status: "completed" | "failed" | "cancelled";
  count: number;
}

/**
 * Adds pruned runs to the tallies, in the prune's own transaction, so the runs and their
 * count leave and arrive together. One upsert of one row per (version, kind, status), in key
 * order (code-unit order, the same in every process): on PostgreSQL two prunes of the same version then lock its tally rows in the same
 * order and queue rather than deadlock; the rows are held only until the batch commits.
 */
export async function addRunTallies(
  trx: StoreTransaction,
  tenantId: string,
  counts: readonly PrunedCount[],
  now: string,
): Promise<void> {
  if (counts.length === 0) return;
  // One row per key: PostgreSQL refuses an INSERT … ON CONFLICT that touches a row twice.
  const merged = new Map<string, PrunedCount>();
  for (const count of counts) {
    const key = tallyKey(count);
    const seen = merged.get(key);
    merged.set(key, { ...count, count: (seen?.count ?? 0) + count.count });
  }
  const rows = [...merged.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, count]) => ({
      tenant_id: tenantId,
      version_id: count.versionId,
      rollout_id: count.rolloutId,
      kind: count.kind,
      status: count.status,
      pruned: count.count,
      updated_at: now,
    }));
  await trx
    .insertInto("run_tallies")
    .values(rows)
    .onConflict((oc) =>
      oc.columns(["tenant_id", "version_id", "rollout_id", "kind", "status"]).doUpdateSet((eb) => ({
        pruned: eb("run_tallies.pruned", "+", eb.ref("excluded.pruned")),
        updated_at: eb.ref("excluded.updated_at"),
      })),
    )
    .execute();
}

function tallyKey(count: PrunedCount): string {
  return `${count.versionId}\u0000${count.rolloutId}\u0000${count.kind}\u0000${count.status}`;
}
