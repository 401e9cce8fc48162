/**
 * Run counters (issue 17, migration 0010) on both databases. Triggers on `runs` keep
 * `run_counts` in the transaction of each start and status change; these tests hold them
 * against the runs:
 * - a model-based property test drives starts, signals, cancels, a rollout, a migration to
 *   another version and prunes in random order through the library, tracks every run the
 *   way the API reported it, and checks that the versions list and rollout status show the
 *   model's counts and that {@link recountRuns} finds no difference;
 * - concurrent starts on PostgreSQL (several connections: several slots of one key) add up;
 * - migration 0010 backfills the counters of a database that had runs and pruned runs before;
 * - a counter changed behind the triggers' back is found by the recount and repaired.
 * The crash and chaos tests run the same recount after their kills.
 */
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Strata } from "../src/index.js";
import type { Run, RunKind, RunStatus } from "../src/index.js";
import { openPostgresStore } from "../src/store/postgres/postgres-store.js";
import { recountRuns, repairRunCounts } from "../src/store/run-counts.js";
import { retryingConflicts } from "../src/store/store-faults.js";
import type { Store, StoreTransaction } from "../src/store/store.js";
import { ManualClock } from "./support/manual-clock.js";
import { openAfterOlderStrata } from "./support/older-database.js";
import {
  DIALECTS,
  createTestDatabase,
  openTestStore,
  uniqueTenant,
} from "./support/test-stores.js";

/** Waits for `review` (or `hold`, by input); v2 renames the review node. */
function flow(review: string): unknown {
  return {
    start: "pick",
    nodes: {
      pick: { type: "switch", cases: [{ when: "hold = true", next: "hold" }], default: review },
      [review]: { type: "wait", signal: "review", next: "done" },
      hold: { type: "wait", signal: "release", next: "done" },
      done: { type: "end", output: { ok: "true" } },
    },
  };
}

type Op =
  | { type: "start"; hold: boolean; kind: RunKind; version: "live" | 1 | 2; key: number }
  | { type: "signal"; pick: number }
  | { type: "cancel"; pick: number }
  | { type: "publish" }
  | { type: "rollout" }
  | { type: "endRollout" }
  | { type: "migrate" }
  | { type: "prune" };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant("start" as const),
      hold: fc.boolean(),
      kind: fc.constantFrom<RunKind>("production", "production", "test"),
      version: fc.constantFrom<"live" | 1 | 2>("live", "live", 1, 2),
      key: fc.integer({ min: 0, max: 30 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ type: fc.constant("signal" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("cancel" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.constant({ type: "publish" as const }) },
  { weight: 2, arbitrary: fc.constant({ type: "rollout" as const }) },
  { weight: 1, arbitrary: fc.constant({ type: "endRollout" as const }) },
  { weight: 1, arbitrary: fc.constant({ type: "migrate" as const }) },
  { weight: 1, arbitrary: fc.constant({ type: "prune" as const }) },
);

/** What the model knows of a run: where the API last said it was. */
interface Known {
  version: number;
  kind: RunKind;
  status: RunStatus;
  rolloutId: string | null;
  hold: boolean;
}

describe.each(DIALECTS)("run counters on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
  });
  afterAll(() => close());

  it("match the runs after any mix of starts, signals, cancels, rollouts, migrations and prunes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 15, maxLength: 40 }), async (ops) => {
        const clock = new ManualClock();
        const strata = Strata.fromStore(store, { tenant: uniqueTenant(), actor: "ann", clock });
        await strata.workflows.create({ key: "appr", definition: flow("review") });
        await strata.drafts.publish("appr");
        const known = new Map<string, Known>();
        let published = 1;
        const remember = (run: Run, hold: boolean) =>
          known.set(run.id, {
            version: run.versionNumber ?? 0,
            kind: run.kind,
            status: run.status,
            rolloutId: run.route.rolloutId ?? null,
            hold,
          });
        const waiting = () =>
          [...known.entries()].filter(([, run]) => run.status === "waiting").map(([id]) => id);

        for (const step of ops) {
          clock.advance(1_000);
          if (step.type === "start") {
            if (step.version === 2 && published < 2) continue;
            const run = await strata.runs.start("appr", {
              input: { hold: step.hold },
              kind: step.kind,
              version: step.version,
              routingKey: `customer-${step.key}`,
            });
            remember(run, step.hold);
          } else if (step.type === "signal" || step.type === "cancel") {
            const open = waiting();
            const id = open[step.pick % Math.max(open.length, 1)];
            if (id === undefined) continue;
            const run =
              step.type === "cancel"
                ? await strata.runs.cancel(id)
                : await strata.runs.signal(id, known.get(id)?.hold ? "release" : "review", {});
            remember(run, known.get(id)?.hold ?? false);
          } else if (step.type === "publish") {
            if (published >= 2) continue;
            await strata.drafts.open("appr");
            const draft = await strata.drafts.show("appr");
            await strata.drafts.save("appr", {
              definition: flow("review2"),
              revision: draft.revision,
            });
            // v1 stays live: a rollout moves traffic to v2, pins reach it at once.
            await strata.drafts.publish("appr", { activate: false });
            published = 2;
          } else if (step.type === "rollout") {
            const route = await strata.rollouts.route("appr");
            if (published < 2 || route.rollout !== null || route.liveVersion !== 1) continue;
            await strata.rollouts.start("appr", { to: 2, percent: 50 });
          } else if (step.type === "endRollout") {
            if ((await strata.rollouts.route("appr")).rollout === null) continue;
            await strata.rollouts.abort("appr");
          } else if (step.type === "migrate") {
            if (published < 2) continue;
            const report = await strata.migrations.migrate("appr", {
              from: 1,
              to: 2,
              map: { review: "review2" },
            });
            for (const moved of report.runs.filter((run) => run.moves)) {
              const run = await strata.runs.show(moved.runId);
              remember(run, known.get(run.id)?.hold ?? false);
            }
          } else {
            // Every finished run may go; the counters keep counting them.
            await strata.runs.prune({ finishedBefore: clock.now() });
          }
        }

        expect(await recountRuns(store.db, strata.context.tenantId)).toEqual([]);
        for (const version of await strata.versions.list("appr")) {
          if (!("runCounts" in version) || version.number === null) continue;
          const expected: Record<RunKind, Partial<Record<RunStatus, number>>> = {
            production: {},
            test: {},
          };
          for (const run of known.values()) {
            if (run.version !== version.number) continue;
            expected[run.kind][run.status] = (expected[run.kind][run.status] ?? 0) + 1;
          }
          expect(version.runCounts).toEqual(expected);
        }
        const rollouts = await strata.rollouts.list("appr");
        const last = rollouts[0];
        if (last !== undefined && last.status !== "replaced") {
          const armRuns = (version: number) =>
            [...known.values()].filter(
              (run) =>
                run.rolloutId === last.id && run.kind === "production" && run.version === version,
            );
          const report = await strata.rollouts.status("appr").catch(() => null);
          if (report !== null && report.id === last.id) {
            for (const arm of [report.arms.stable, report.arms.candidate]) {
              const runs = armRuns(arm.version);
              expect(arm.runs).toBe(runs.length);
              expect(arm.completed).toBe(runs.filter((r) => r.status === "completed").length);
              expect(arm.open).toBe(runs.filter((r) => r.status === "waiting").length);
            }
          }
        }
      }),
      { numRuns: 10 },
    );
  }, 120_000);

  it("finds a counter changed behind the triggers' back, and repairs it", async () => {
    const strata = Strata.fromStore(store, { tenant: uniqueTenant(), actor: "ann" });
    await strata.workflows.create({ key: "appr", definition: flow("review") });
    const v1 = await strata.drafts.publish("appr");
    const run = await strata.runs.start("appr", { input: { hold: false } });
    await strata.runs.signal(run.id, "review", {});
    const tenantId = strata.context.tenantId;
    await store.db
      .updateTable("run_counts")
      .set({ runs: 7 })
      .where("tenant_id", "=", tenantId)
      .where("status", "=", "completed")
      .execute();
    const differences = await recountRuns(store.db, tenantId);
    expect(differences).toEqual([
      {
        tenantId,
        versionId: v1.id,
        rolloutId: "",
        kind: "production",
        status: "completed",
        counted: 7,
        actual: 1,
      },
    ]);
    await store.transaction((trx) => repairRunCounts(trx, differences));
    expect(await recountRuns(store.db, tenantId)).toEqual([]);
    expect((await strata.versions.show("appr", 1)).runCounts.production).toEqual({
      completed: 1,
    });
  });
});

describe("run counters on postgres under concurrent starts", () => {
  it("add up when many connections start runs of one version at once", async () => {
    const { store, close } = await openTestStore("postgres");
    try {
      const strata = Strata.fromStore(store, { tenant: uniqueTenant(), actor: "ann" });
      await strata.workflows.create({ key: "appr", definition: flow("review") });
      await strata.drafts.publish("appr");
      const other = await openPostgresStore(store.location);
      try {
        const second = Strata.fromStore(other, { tenant: strata.context.tenantId, actor: "bob" });
        const starts = Array.from({ length: 400 }, (_, i) =>
          (i % 2 === 0 ? strata : second).runs.start("appr", { input: { hold: i % 3 === 0 } }),
        );
        const runs = await Promise.all(starts);
        await Promise.all(
          runs
            .filter((_, i) => i % 3 !== 0 && i % 5 === 0)
            .map((run) => second.runs.signal(run.id, "review", {})),
        );
        expect(await recountRuns(store.db, strata.context.tenantId)).toEqual([]);
        const { rows } = await sql<{ slots: number | string }>`
          SELECT count(DISTINCT slot) AS slots FROM run_counts
          WHERE tenant_id = ${strata.context.tenantId}`.execute(store.db);
        // Two pools of connections wrote: their counts landed in more than one slot.
        expect(Number(rows[0]?.slots)).toBeGreaterThan(1);
        expect((await strata.versions.show("appr", 1)).runCounts.production).toEqual({
          waiting: runs.length - runs.filter((_, i) => i % 3 !== 0 && i % 5 === 0).length,
          completed: runs.filter((_, i) => i % 3 !== 0 && i % 5 === 0).length,
        });
      } finally {
        await other.close();
      }
    } finally {
      await close();
    }
  });
});

describe("a deadlock on counter rows (postgres)", () => {
  it("ends one of the two transactions, which runs again and commits", async () => {
    const { store, close } = await openTestStore("postgres");
    try {
      const key = (status: "completed" | "failed") => ({
        tenant_id: "t",
        version_id: "v",
        rollout_id: "",
        kind: "production" as const,
        status,
        slot: 0,
        runs: 0,
      });
      await store.db
        .insertInto("run_counts")
        .values([key("completed"), key("failed")])
        .execute();
      // Both hold their first row before either asks for its second: a deadlock, once.
      let holding = 0;
      let release: () => void = () => undefined;
      const bothHold = new Promise<void>((resolve) => (release = resolve));
      let attempts = 0;
      const add = (status: "completed" | "failed", trx: StoreTransaction) =>
        trx
          .updateTable("run_counts")
          .set({ runs: sql`runs + 1` })
          .where("status", "=", status)
          .execute();
      const inOrder = (first: "completed" | "failed", second: "completed" | "failed") =>
        retryingConflicts(() =>
          store.transaction(async (trx) => {
            attempts += 1;
            await add(first, trx);
            if (++holding === 2) release();
            await bothHold;
            await add(second, trx);
          }),
        );
      await Promise.all([inOrder("completed", "failed"), inOrder("failed", "completed")]);
      expect(attempts).toBe(3);
      const rows = await store.db.selectFrom("run_counts").select(["status", "runs"]).execute();
      expect(rows.map((row) => Number(row.runs))).toEqual([2, 2]);
    } finally {
      await close();
    }
  });
});

describe.each(DIALECTS)("migration 0010 on %s", (dialect) => {
  it("backfills the counters from the runs and the prune tallies already there", async () => {
    const database = await createTestDatabase(dialect);
    const store = await openAfterOlderStrata(dialect, database.location, 10, [
      `INSERT INTO workflows (tenant_id, id, key, name, status, created_at, created_by, updated_at)
       VALUES ('t', 'wf', 'flow', 'flow', 'active', '2026-01-01', 'a', '2026-01-01')`,
      `INSERT INTO versions (tenant_id, id, workflow_id, number, definition, hash, created_at,
         created_by, updated_at, last_edited_by, published_at)
       VALUES ('t', 'v1', 'wf', 1, '{}', 'h1', '2026-01-01', 'a', '2026-01-01', 'a', '2026-01-01'),
              ('t', 'v2', 'wf', 2, '{}', 'h2', '2026-01-01', 'a', '2026-01-01', 'a', '2026-01-01')`,
      `INSERT INTO rollouts (tenant_id, id, workflow_id, stable_version_id, candidate_version_id,
         share, status, started_at, started_by, updated_at)
       VALUES ('t', 'ro', 'wf', 'v1', 'v2', 5000, 'active', '2026-01-01', 'a', '2026-01-01')`,
      ...[
        ["r1", "v1", null, "production", "completed"],
        ["r2", "v1", "ro", "production", "completed"],
        ["r3", "v2", "ro", "production", "failed"],
        ["r4", "v2", "ro", "production", "failed"],
        ["r5", "v2", null, "test", "waiting"],
      ].map(
        ([id, version, rollout, kind, status]) =>
          `INSERT INTO runs (tenant_id, id, workflow_id, version_id, version_number, kind, status,
             input, route, definition_hash, snapshot, trace, created_by, created_at, updated_at,
             rollout_id)
           VALUES ('t', '${id}', 'wf', '${version}', ${version === "v1" ? 1 : 2}, '${kind}',
             '${status}', '{}', '{}', 'h', '{}', '[]', 'a', '2026-01-01', '2026-01-01',
             ${rollout === null ? "NULL" : `'${rollout}'`})`,
      ),
      `INSERT INTO run_tallies (tenant_id, version_id, kind, status, pruned, updated_at)
       VALUES ('t', 'v1', 'production', 'completed', 40, '2026-01-01')`,
    ]);
    try {
      const counts = await store.db
        .selectFrom("run_counts")
        .select(["version_id", "rollout_id", "kind", "status"])
        .select((eb) => eb.fn.sum<number | string>("runs").as("runs"))
        .groupBy(["version_id", "rollout_id", "kind", "status"])
        .orderBy("version_id")
        .orderBy("rollout_id")
        .orderBy("kind")
        .orderBy("status")
        .execute();
      expect(counts.map((row) => ({ ...row, runs: Number(row.runs) }))).toEqual([
        { version_id: "v1", rollout_id: "", kind: "production", status: "completed", runs: 41 },
        { version_id: "v1", rollout_id: "ro", kind: "production", status: "completed", runs: 1 },
        { version_id: "v2", rollout_id: "", kind: "test", status: "waiting", runs: 1 },
        { version_id: "v2", rollout_id: "ro", kind: "production", status: "failed", runs: 2 },
      ]);
      expect(await recountRuns(store.db)).toEqual([]);
    } finally {
      await store.close();
      await database.cleanup();
    }
  });
});
