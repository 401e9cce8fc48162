/**
 * The outcome commit of src/store/queries/commit-outcomes.ts on both stores, both ways of
 * sending it (the write batch's one UPDATE per outcome, and one UPDATE … FROM (VALUES …)):
 * an outcome applies only to the run as its worker claimed it (same revision, its lease),
 * and the answer says which applied.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Strata } from "../src/index.js";
import { CLAIMED_COLUMNS, claimDueRuns } from "../src/store/queries/claim-due-runs.js";
import { outcomeStatements, outcomesInOneStatement } from "../src/store/queries/commit-outcomes.js";
import type { OutcomeWrite } from "../src/store/queries/commit-outcomes.js";
import type { Store } from "../src/store/store.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

const oneTask = {
  start: "work",
  nodes: {
    work: { type: "task", handler: "echo", input: "$", next: "done" },
    done: { type: "end", output: { ok: "true" } },
  },
};

describe.each(DIALECTS)("committing outcomes on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  let strata: Strata;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
    strata = Strata.fromStore(store, { tenant: uniqueTenant() });
    await strata.workflows.create({ key: "flow", definition: oneTask });
    await strata.drafts.publish("flow", {});
  });
  afterAll(async () => {
    await strata.close();
    await close();
  });

  it("claims with each call's own time and lease, its text compiled once", async () => {
    const owner = `worker-${Math.random().toString(36).slice(2)}`;
    const run = await strata.runs.start("flow", { input: { i: "later" } });
    const claim = (now: string, leaseUntil: string) =>
      store.transaction((trx) =>
        claimDueRuns(trx, dialect, { owner, now, leaseUntil, limit: 32, handlers: ["echo"] }),
      );
    const ours = (rows: { id: string }[]) => rows.filter((row) => row.id === run.id);
    // Before the run is due: not taken. Then taken, leased until the second call's time.
    expect(ours(await claim("2000-01-01T00:00:00.000Z", "2000-01-01T00:01:00.000Z"))).toEqual([]);
    const now = new Date(Date.now() + 1_000).toISOString();
    const lease = new Date(Date.now() + 120_000).toISOString();
    const [claimed] = ours(await claim(now, lease));
    expect(claimed).toMatchObject({ id: run.id, rev: 0 }); // a claim does not bump the revision
    const leased = await store.db
      .selectFrom("runs")
      .select(["lease_owner", "lease_until"])
      .where("id", "=", run.id)
      .executeTakeFirstOrThrow();
    expect(leased).toEqual({ lease_owner: owner, lease_until: lease });
    // The claim answers only what an attempt reads (issue 16), not the whole row.
    expect(Object.keys(claimed ?? {}).sort()).toEqual([...CLAIMED_COLUMNS].sort());
    // Held by that lease: the same owner's next claim, before it ends, does not take it again.
    expect(ours(await claim(now, lease))).toEqual([]);
  });

  /** Starts three runs and claims them for `owner`. */
  async function claimThree(owner: string): Promise<OutcomeWrite[]> {
    for (let i = 0; i < 3; i++) await strata.runs.start("flow", { input: { i } });
    const now = new Date().toISOString();
    const claimed = await store.transaction((trx) =>
      claimDueRuns(trx, dialect, {
        owner,
        now,
        leaseUntil: new Date(Date.now() + 60_000).toISOString(),
        limit: 3,
        handlers: ["echo"],
      }),
    );
    expect(claimed).toHaveLength(3);
    return claimed.map((row) => ({
      tenantId: row.tenant_id,
      runId: row.id,
      rev: row.rev,
      columns: {
        status: "completed",
        snapshot: '{"status":"completed"}',
        output: '{"ok":true}',
        error: null,
        wait_signal: null,
        task_handler: null,
        due_at: null,
        ended_at: now,
        trace: "[]",
        updated_at: now,
      },
    }));
  }

  for (const way of ["one statement each", "one statement for all"] as const) {
    it(`applies outcomes of the claim as it stands, refuses stale ones (${way})`, async () => {
      const owner = `worker_${way.length}_${Math.random().toString(36).slice(2)}`;
      const [fresh, stale, stolen] = await claimThree(owner);
      if (fresh === undefined || stale === undefined || stolen === undefined) throw new Error();
      // Since the claim, one run moved on (a signal, a cancel) and one was taken over.
      await store.db
        .updateTable("runs")
        .set({ rev: stale.rev + 1 })
        .where("id", "=", stale.runId)
        .execute();
      await store.db
        .updateTable("runs")
        .set({ lease_owner: "worker_other" })
        .where("id", "=", stolen.runId)
        .execute();
      const writes = [fresh, stale, stolen];
      let applied: boolean[];
      if (way === "one statement each") {
        applied = [];
        await store.transaction(async (trx) => {
          for (const query of outcomeStatements(trx, writes, owner))
            applied.push((await trx.executeQuery(query)).numAffectedRows === 1n);
        });
      } else {
        const { rows } = await store.db.executeQuery(
          outcomesInOneStatement(writes, owner, dialect),
        );
        applied = writes.map((write) => rows.some((row) => row.id === write.runId));
      }
      expect(applied).toEqual([true, false, false]);
      const after = await store.db
        .selectFrom("runs")
        .select(["id", "status", "rev", "lease_owner", "output"])
        .where(
          "id",
          "in",
          writes.map((write) => write.runId),
        )
        .execute();
      const byId = new Map(after.map((row) => [row.id, row]));
      expect(byId.get(fresh.runId)).toMatchObject({
        status: "completed",
        rev: fresh.rev + 1,
        lease_owner: null,
        output: '{"ok":true}',
      });
      expect(byId.get(stale.runId)).toMatchObject({ status: "running" });
      expect(byId.get(stolen.runId)).toMatchObject({ status: "running" });
    });
  }
});
