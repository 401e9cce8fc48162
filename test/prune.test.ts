/**
 * Pruning finished runs and continuous retention (DESIGN.md §10) on both stores: only finished
 * runs that ended before the cutoff go, never a run in flight; version run counts and `drained`
 * read the same before and after (L10 still sees the pruned runs); a dry run changes nothing
 * and counts the same; each prune is one audit event and the chain still verifies; runs an
 * audit event or a backtest report names, a pending backtest's and an active rollout's runs are
 * kept; batches and `limit`; retention prunes one batch per tenant per round.
 */
import { CompiledQuery } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { isStrataError, parseRetention, resolveFinishedBefore, Strata } from "../src/index.js";
import type { PruneReport, Version } from "../src/index.js";
import { RETENTION_ACTOR, RETENTION_BATCH } from "../src/services/retention-service.js";
import { selectPrunableRuns } from "../src/store/queries/prune-runs.js";
import type { Store } from "../src/store/store.js";
import { ManualClock } from "./support/manual-clock.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

const DAY = 86_400_000;

/** Ends at once, fails at once, waits for `go`, or stops at a task nobody runs, by input. */
const FLOW = {
  start: "pick",
  nodes: {
    pick: {
      type: "switch",
      cases: [
        { when: "fail = true", next: "bad" },
        { when: "hold = true", next: "hold" },
        { when: "task = true", next: "call" },
      ],
      default: "done",
    },
    hold: { type: "wait", signal: "go", next: "done" },
    call: {
      type: "task",
      handler: "http",
      input: { url: "'https://hooks.example.com/'" },
      next: "done",
    },
    done: { type: "end", output: { ok: "true" } },
    bad: { type: "fail", code: "refused" },
  },
};
/** The same flow, changed, to publish a second version. */
const FLOW_V2 = { ...FLOW, description: "v2" };

/** The refusal `work` ends in: its code and message. */
async function refusal(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await work;
  } catch (error) {
    if (isStrataError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("retention periods and cutoffs", () => {
  const now = new Date("2026-06-01T00:00:00.000Z");

  it("parses ages with a unit, and ISO durations", () => {
    expect(parseRetention("90d")).toBe(90 * DAY);
    expect(parseRetention("12h")).toBe(12 * 3_600_000);
    expect(parseRetention("30m")).toBe(30 * 60_000);
    expect(parseRetention(" P90D ")).toBe(90 * DAY);
    expect(parseRetention("PT12H")).toBe(12 * 3_600_000);
  });

  it.each(["90", "90 d", "1s", "0d", "30s", "3mo", "1y", "P1M", "-5d", "", "99999999999d"])(
    "refuses %j, saying what is accepted",
    (text) => {
      let thrown: unknown;
      try {
        parseRetention(text);
      } catch (error) {
        thrown = error;
      }
      expect(isStrataError(thrown, "validation_failed")).toBe(true);
      expect((thrown as Error).message).toMatch(/90d|1m and 36600d/);
    },
  );

  it("resolves a cutoff from a date, a time with its zone, or an age", () => {
    expect(resolveFinishedBefore("2026-01-01", now).toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(resolveFinishedBefore("2026-01-01T12:30:00+02:00", now).toISOString()).toBe(
      "2026-01-01T10:30:00.000Z",
    );
    expect(resolveFinishedBefore("90d", now).toISOString()).toBe("2026-03-03T00:00:00.000Z");
    expect(resolveFinishedBefore(new Date("2026-05-01T00:00:00Z"), now).toISOString()).toBe(
      "2026-05-01T00:00:00.000Z",
    );
  });

  it.each(["2026-02-30", "2026-01-01T12:00:00", "yesterday", "2027-01-01", "12"])(
    "refuses the cutoff %j",
    (text) => {
      let thrown: unknown;
      try {
        resolveFinishedBefore(text, now);
      } catch (error) {
        thrown = error;
      }
      expect(isStrataError(thrown, "validation_failed")).toBe(true);
      expect((thrown as Error).message).toMatch(/ISO date|future/);
    },
  );
});

describe.each(DIALECTS)("pruning runs on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  let clock: ManualClock;
  let strata: Strata;
  let tenantId: string;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
  });
  afterAll(() => close());
  beforeEach(async () => {
    clock = new ManualClock();
    tenantId = uniqueTenant();
    strata = Strata.fromStore(store, { tenant: tenantId, actor: "ann", clock });
    await strata.workflows.create({ key: "flow", definition: FLOW });
    await strata.drafts.publish("flow");
  });

  /** Every row of the tenant a prune could touch, in key order. */
  async function snapshot(): Promise<string> {
    const rows = await Promise.all([
      store.db
        .selectFrom("runs")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .orderBy("id")
        .execute(),
      store.db
        .selectFrom("run_tallies")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .orderBy("version_id")
        .orderBy("kind")
        .orderBy("status")
        .execute(),
      store.db
        .selectFrom("audit_events")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .orderBy("seq")
        .execute(),
    ]);
    return JSON.stringify(rows);
  }

  /** The version list as the history shows it: counts, open runs, drained. */
  async function history(key = "flow"): Promise<unknown> {
    return (await strata.versions.list(key)).map((version) => ({
      number: version.number,
      runCounts: version.runCounts,
      openRuns: version.openRuns,
      drained: version.drained,
    }));
  }

  async function runIds(): Promise<string[]> {
    const rows = await store.db
      .selectFrom("runs")
      .select("id")
      .where("tenant_id", "=", tenantId)
      .orderBy("id")
      .execute();
    return rows.map((row) => row.id);
  }

  async function pruneEvents(): Promise<Array<{ actor: string; after: unknown }>> {
    const page = await strata.audit.list({ limit: 1000 });
    return page.items
      .filter((event) => event.action === "runs.pruned")
      .map((event) => ({ actor: event.actor, after: event.after }));
  }

  /** Inserts `count` finished production runs of `version` that ended at `endedAt`. */
  async function insertFinished(
    version: Version,
    count: number,
    endedAt: string,
    extra: { status?: "completed" | "failed" | "cancelled" | "running"; rolloutId?: string } = {},
  ): Promise<string[]> {
    const ids: string[] = [];
    const rows = Array.from({ length: count }, (_, index) => {
      const id = `run_${endedAt.replace(/\D/g, "")}${String(index).padStart(6, "0")}${Math.random().toString(36).slice(2, 6)}`;
      ids.push(id);
      return {
        tenant_id: tenantId,
        id,
        workflow_id: version.workflowId,
        version_id: version.id,
        draft_id: null,
        version_number: version.number,
        kind: "production" as const,
        status: extra.status ?? ("completed" as const),
        input: "{}",
        output: "{}",
        error: null,
        route: '{"selector":"live"}',
        routing_key: null,
        definition_hash: version.hash,
        draft_definition: null,
        snapshot: "{}",
        trace: "[]",
        wait_signal: null,
        task_handler: null,
        due_at: null,
        lease_owner: null,
        lease_until: null,
        idempotency_key: null,
        request_hash: null,
        created_by: "test",
        created_at: endedAt,
        updated_at: endedAt,
        ended_at: endedAt,
        rollout_id: extra.rolloutId ?? null,
        binding_id: null,
        migrations: null,
      };
    });
    for (let start = 0; start < rows.length; start += 200) {
      await store.db
        .insertInto("runs")
        .values(rows.slice(start, start + 200))
        .execute();
    }
    return ids;
  }

  it("prunes only finished runs that ended before the cutoff, and counts stay as they were", async () => {
    const completed = await strata.runs.start("flow", { input: {} });
    const failed = await strata.runs.start("flow", { input: { fail: true } });
    const cancelled = await strata.runs.start("flow", { input: { hold: true } });
    await strata.runs.cancel(cancelled.id);
    const waiting = await strata.runs.start("flow", { input: { hold: true } });
    const running = await strata.runs.start("flow", { input: { task: true } });
    await strata.drafts.open("flow");
    const test = await strata.drafts.run("flow", { input: {} });
    const testOfV1 = await strata.runs.start("flow", { input: {}, kind: "test" });
    expect(
      [completed, failed, cancelled, waiting, running, test, testOfV1].map((r) => r.status),
    ).toEqual(["completed", "failed", "waiting", "waiting", "running", "completed", "completed"]);
    clock.advance(100 * DAY);
    const recent = await strata.runs.start("flow", { input: {} });
    const before = await history();
    const rows = await snapshot();

    const dry = await strata.runs.prune({ finishedBefore: "90d", dryRun: true });
    expect(dry).toEqual({
      dryRun: true,
      finishedBefore: "2026-01-11T00:00:00.000Z",
      workflow: null,
      pruned: 5,
      more: false,
      byVersion: [
        { workflowId: completed.workflowId, workflow: "flow", version: 1, count: 4 },
        { workflowId: completed.workflowId, workflow: "flow", version: null, count: 1 },
      ],
      kept: { auditLog: 0, backtestReport: 0, backtestPending: 0, rolloutActive: 0 },
    } satisfies PruneReport);
    expect(await snapshot()).toBe(rows);

    const done = await strata.runs.prune({ finishedBefore: "90d" });
    expect(done).toEqual({ ...dry, dryRun: false });
    expect(await runIds()).toEqual([waiting.id, running.id, recent.id].sort());
    expect((await refusal(strata.runs.show(completed.id))).code).toBe("not_found");
    expect(await history()).toEqual(before);
    const [v1] = (await strata.versions.list("flow")).filter((v) => v.number === 1);
    expect(v1).toMatchObject({
      runCounts: {
        production: { completed: 2, failed: 1, cancelled: 1, waiting: 1, running: 1 },
        test: { completed: 1 },
      },
      openRuns: 2,
      drained: false,
    });
    expect(await pruneEvents()).toEqual([
      {
        actor: "ann",
        after: {
          finishedBefore: "2026-01-11T00:00:00.000Z",
          workflow: null,
          pruned: 5,
          kept: { auditLog: 0, backtestReport: 0, backtestPending: 0, rolloutActive: 0 },
        },
      },
    ]);
    expect(await strata.audit.verify()).toMatchObject({ ok: true });

    // Nothing left to prune: another prune removes nothing and says so in the log.
    expect((await strata.runs.prune({ finishedBefore: "90d" })).pruned).toBe(0);
    expect(await pruneEvents()).toHaveLength(2);
  });

  it("keeps a version whose runs were pruned from being deleted (L10), drained once idle", async () => {
    const waiting = await strata.runs.start("flow", { input: { hold: true } });
    await strata.runs.start("flow", { input: {} });
    await strata.drafts.open("flow");
    await strata.drafts.save("flow", { definition: FLOW_V2, revision: 1 });
    await strata.drafts.publish("flow");
    await strata.runs.signal(waiting.id, "go", {});
    await strata.versions.retire("flow", 1);
    clock.advance(DAY);
    const before = await history();
    expect((await strata.runs.prune({ finishedBefore: "1h" })).pruned).toBe(2);
    expect(await runIds()).toEqual([]);
    expect(await history()).toEqual(before);
    expect(await strata.versions.show("flow", 1)).toMatchObject({
      runCounts: { production: { completed: 2 }, test: {} },
      drained: true,
    });
    const refused = await refusal(strata.versions.delete("flow", 1));
    expect(refused.code).toBe("version_has_runs");
    const impact = await strata.versions.impact("flow", 1);
    expect(impact.delete).toMatchObject({ allowed: false, refusal: { code: "version_has_runs" } });
  });

  it("prunes in its own tenant only", async () => {
    const other = strata.as({ tenantId: uniqueTenant() });
    await other.workflows.create({ key: "flow", definition: FLOW });
    await other.drafts.publish("flow");
    const theirs = await other.runs.start("flow", { input: {} });
    await strata.runs.start("flow", { input: {} });
    clock.advance(DAY);
    expect((await strata.runs.prune({ finishedBefore: "1h" })).pruned).toBe(1);
    expect(await other.runs.show(theirs.id)).toMatchObject({ status: "completed" });
    expect((await other.versions.show("flow", 1)).runCounts).toEqual({
      production: { completed: 1 },
      test: {},
    });
  });

  it("never touches a run in flight, even one whose row carries an end time", async () => {
    const v1 = await strata.versions.show("flow", 1);
    const odd = await insertFinished(v1, 1, "2025-01-01T00:00:00.000Z", { status: "running" });
    const old = await insertFinished(v1, 2, "2025-01-01T00:00:00.000Z");
    const report = await strata.runs.prune({ finishedBefore: "2025-06-01" });
    expect(report.pruned).toBe(2);
    expect(await runIds()).toEqual(odd);
    expect(old.every((id) => !odd.includes(id))).toBe(true);
  });

  it("prunes one workflow only when asked, and refuses bad requests", async () => {
    await strata.workflows.create({ key: "other", definition: FLOW });
    await strata.drafts.publish("other");
    const mine = await strata.runs.start("flow", { input: {} });
    const theirs = await strata.runs.start("other", { input: {} });
    clock.advance(DAY);
    const report = await strata.runs.prune({ finishedBefore: "1h", workflow: "other" });
    expect(report).toMatchObject({ workflow: "other", pruned: 1 });
    expect(await runIds()).toEqual([mine.id]);
    expect(theirs.id).not.toBe(mine.id);
    const events = await strata.audit.list({ workflow: "other", limit: 100 });
    expect(events.items.at(-1)).toMatchObject({ action: "runs.pruned", after: { pruned: 1 } });

    expect(
      (await refusal(strata.runs.prune({ finishedBefore: "1h", workflow: "nope" }))).code,
    ).toBe("not_found");
    for (const finishedBefore of ["90", "soon", "2999-01-01", "2026-01-01T00:00:00"]) {
      const bad = await refusal(strata.runs.prune({ finishedBefore }));
      expect(bad.code, finishedBefore).toBe("validation_failed");
    }
    for (const limits of [{ limit: 0 }, { batchSize: 10_001 }, { limit: 1.5 }]) {
      const bad = await refusal(strata.runs.prune({ finishedBefore: "1h", ...limits }));
      expect(bad.code).toBe("validation_failed");
    }
    expect(await runIds()).toEqual([mine.id]);
  });

  it("works in batches, stops at a limit and says more remain, one event per prune", async () => {
    const v1 = await strata.versions.show("flow", 1);
    await insertFinished(v1, 2_345, "2025-03-01T00:00:00.000Z");
    const before = await history();
    const first = await strata.runs.prune({
      finishedBefore: "2025-06-01",
      limit: 1_200,
      batchSize: 500,
    });
    expect(first).toMatchObject({ pruned: 1_200, more: true });
    const dry = await strata.runs.prune({
      finishedBefore: "2025-06-01",
      dryRun: true,
      batchSize: 700,
    });
    expect(dry).toMatchObject({ pruned: 1_145, more: false });
    const rest = await strata.runs.prune({ finishedBefore: "2025-06-01", batchSize: 500 });
    expect(rest).toMatchObject({ pruned: 1_145, more: false });
    expect(await runIds()).toEqual([]);
    expect(await history()).toEqual(before);
    expect(await pruneEvents()).toEqual([
      {
        actor: "ann",
        after: expect.objectContaining({ pruned: 1_200, limit: 1_200, more: true }) as unknown,
      },
      { actor: "ann", after: expect.objectContaining({ pruned: 1_145 }) as unknown },
    ]);
    expect(await strata.audit.verify()).toMatchObject({ ok: true });
  });

  it("keeps runs the audit log or a backtest names, a pending backtest's, an active rollout's", async () => {
    // A run moved by a migration: `run.migrated` names it.
    const moved = await strata.runs.start("flow", { input: { hold: true } });
    await strata.drafts.open("flow");
    await strata.drafts.save("flow", { definition: FLOW_V2, revision: 1 });
    await strata.drafts.publish("flow", { activate: false });
    await strata.migrations.migrate("flow", { from: 1, to: 2, map: { hold: "hold" } });
    await strata.runs.signal(moved.id, "go", {});
    // Runs a finished backtest's report names, as a changed run and as schema drift.
    const v1 = await strata.versions.show("flow", 1);
    const [changed, drifted, plain] = await insertFinished(v1, 3, "2025-02-01T00:00:00.000Z");
    const workflowId = v1.workflowId;
    const backtest = (id: string, status: "completed" | "queued", report: unknown) =>
      store.db
        .insertInto("backtests")
        .values({
          tenant_id: tenantId,
          id,
          workflow_id: workflowId,
          target: "2",
          target_version_id: null,
          target_definition: "{}",
          source_number: null,
          since: null,
          run_limit: 10,
          adapter: null,
          mocks: null,
          status,
          total: 3,
          report: report === null ? null : JSON.stringify(report),
          error: null,
          lease_owner: null,
          lease_until: null,
          created_at: "2025-02-02T00:00:00.000Z",
          created_by: "ann",
          started_at: null,
          finished_at: null,
        })
        .execute();
    await backtest("bkt_done", "completed", {
      changedSamples: [changed],
      schemaDriftSamples: [{ runId: drifted, path: "/", message: "does not fit" }],
    });
    // An active rollout of v2 and the runs it routed.
    await strata.rollouts.start("flow", { to: 2, percent: 50 });
    const [rollout] = await strata.rollouts.list("flow");
    const routed = await insertFinished(v1, 2, "2025-02-01T00:00:00.000Z", {
      rolloutId: rollout?.id ?? "missing",
    });
    clock.advance(DAY);

    const first = await strata.runs.prune({ finishedBefore: "1h" });
    expect(first.kept).toEqual({
      auditLog: 1,
      backtestReport: 2,
      backtestPending: 0,
      rolloutActive: 2,
    });
    expect(first.pruned).toBe(1);
    expect(await runIds()).toEqual([moved.id, changed, drifted, ...routed].sort());
    expect(plain).toBeDefined();

    // A queued backtest holds the workflow's finished production runs until it has run.
    await strata.rollouts.abort("flow");
    const late = await insertFinished(v1, 1, "2025-02-01T00:00:00.000Z");
    await backtest("bkt_queued", "queued", null);
    const second = await strata.runs.prune({ finishedBefore: "1h" });
    expect(second).toMatchObject({
      pruned: 0,
      kept: { auditLog: 1, backtestReport: 2, backtestPending: 3 },
    });
    await store.db
      .updateTable("backtests")
      .set({ status: "cancelled" })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", "bkt_queued")
      .execute();
    const third = await strata.runs.prune({ finishedBefore: "1h" });
    expect(third).toMatchObject({ pruned: 3, kept: { auditLog: 1, backtestReport: 2 } });
    expect(await runIds()).toEqual([moved.id, changed, drifted].sort());
    expect(late).toHaveLength(1);
    expect(await strata.audit.verify()).toMatchObject({ ok: true });
  });

  it("answers POST /v1/runs/prune for an admin, 400 for a bad cutoff", async () => {
    await strata.runs.start("flow", { input: {} });
    clock.advance(DAY);
    const token = (await strata.tokens.create({ role: "admin" })).token;
    const app = await createApp({ services: strata.serviceLayer, rateLimit: 0 });
    try {
      const send = (payload: object) =>
        app.inject({
          method: "POST",
          url: "/v1/runs/prune",
          headers: { authorization: `Bearer ${token}` },
          payload,
        });
      const dry = await send({ finishedBefore: "1h", dryRun: true, workflow: "flow" });
      expect(dry.statusCode, dry.body).toBe(200);
      expect(dry.json()).toMatchObject({ dryRun: true, pruned: 1, workflow: "flow" });
      const bad = await send({ finishedBefore: "ninety days" });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ code: "validation_failed" });
      expect(bad.json<{ detail: string }>().detail).toContain("90d");
      const unknown = await send({ finishedBefore: "1h", everything: true });
      expect(unknown.statusCode).toBe(400);
      const done = await send({ finishedBefore: "1h" });
      expect(done.json()).toMatchObject({ dryRun: false, pruned: 1 });
    } finally {
      await app.close();
    }
  });

  if (dialect === "sqlite") {
    it("walks runs_by_time from the cursor and probes audit_events_by_subject", async () => {
      // Capture the statement the query runs, compiled for this database.
      const seen: CompiledQuery[] = [];
      const db = store.db.withPlugin({
        transformQuery: (args) => {
          seen.push(store.db.getExecutor().compileQuery(args.node, args.queryId));
          return args.node;
        },
        transformResult: (args) => Promise.resolve(args.result),
      });
      await selectPrunableRuns(db, {
        tenantId,
        finishedBefore: "2026-01-01T00:00:00.000Z",
        after: { createdAt: "2025-01-01T00:00:00.000Z", id: "run_x" },
        limit: 10,
      });
      const [query] = seen;
      if (query === undefined) throw new Error("no query ran");
      const plan = await store.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`EXPLAIN QUERY PLAN ${query.sql}`, [...query.parameters]),
      );
      const details = plan.rows.map((row) => row.detail).join("\n");
      // The cursor and the cutoff bound the scan: SQLite names both among the index's terms.
      expect(details).toMatch(
        /runs_by_time \(tenant_id=\? AND \(created_at,id\)>\(\?,\?\) AND created_at<\?\)/,
      );
      expect(details).toContain("audit_events_by_subject");
      expect(details).not.toContain("TEMP B-TREE");
    });
  }
});

describe.each(DIALECTS)("continuous retention on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;

  // A database of its own: a retention round visits every tenant in it.
  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
  });
  afterAll(() => close());

  it("prunes at most one batch per tenant per round, with an event per batch", async () => {
    const clock = new ManualClock();
    const open = (tenant: string) =>
      Strata.fromStore(store, { tenant, actor: "ann", clock, retention: parseRetention("90d") });
    const a = open(uniqueTenant());
    const b = open(uniqueTenant());
    for (const strata of [a, b]) {
      await strata.workflows.create({ key: "flow", definition: FLOW });
      await strata.drafts.publish("flow");
    }
    const v1 = await a.versions.show("flow", 1);
    // Tenant a: more old runs than one batch holds, plus a waiting run; tenant b: two.
    for (let count = 0; count < RETENTION_BATCH + 20; count += 1) {
      // Started and finished through the engine at day 0, one at a time.
      await a.runs.start("flow", { input: {} });
    }
    const waiting = await a.runs.start("flow", { input: { hold: true } });
    await b.runs.start("flow", { input: {} });
    await b.runs.start("flow", { input: { fail: true } });
    clock.advance(80 * DAY);
    const recent = await b.runs.start("flow", { input: {} });
    const before = { a: await a.versions.list("flow"), b: await b.versions.list("flow") };
    expect(v1.number).toBe(1);

    // Nothing is 90 days old yet.
    expect(await a.serviceLayer.retention.runRetention()).toBe(0);
    clock.advance(20 * DAY);
    expect(await a.serviceLayer.retention.runRetention()).toBe(RETENTION_BATCH + 2);
    expect(await a.serviceLayer.retention.runRetention()).toBe(20);
    expect(await a.serviceLayer.retention.runRetention()).toBe(0);

    const left = await store.db.selectFrom("runs").select("id").orderBy("id").execute();
    expect(left.map((row) => row.id)).toEqual([waiting.id, recent.id].sort());
    for (const [strata, counts] of [
      [a, before.a],
      [b, before.b],
    ] as const) {
      expect((await strata.versions.list("flow")).map((v) => [v.runCounts, v.drained])).toEqual(
        counts.map((v) => [v.runCounts, v.drained]),
      );
      expect(await strata.audit.verify()).toMatchObject({ ok: true });
    }
    const events = async (strata: Strata) =>
      (await strata.audit.list({ limit: 100 })).items
        .filter((event) => event.action === "runs.pruned")
        .map((event) => [event.actor, (event.after as { pruned: number }).pruned]);
    expect(await events(a)).toEqual([
      [RETENTION_ACTOR, RETENTION_BATCH],
      [RETENTION_ACTOR, 20],
    ]);
    expect(await events(b)).toEqual([[RETENTION_ACTOR, 2]]);
  });

  it("runs from automation when due: at once while batches fill up, else once a minute", async () => {
    const clock = new ManualClock();
    const strata = Strata.fromStore(store, {
      tenant: uniqueTenant(),
      actor: "ann",
      clock,
      retention: parseRetention("1h"),
    });
    await strata.workflows.create({ key: "flow", definition: FLOW });
    await strata.drafts.publish("flow");
    const retention = strata.serviceLayer.retention;
    expect(retention.retention).toBe(3_600_000);
    const tenantRuns = async () =>
      (
        await store.db
          .selectFrom("runs")
          .select("id")
          .where("tenant_id", "=", strata.context.tenantId)
          .execute()
      ).length;
    await strata.runs.start("flow", { input: {} });
    clock.advance(30_000);
    await strata.runs.start("flow", { input: {} });
    clock.advance(3_600_000 - 29_000); // the first run is an hour and a second old
    expect(await retention.runDue()).toBe(1);
    clock.advance(45_000); // the second is old now, but the last round was 45 s ago
    expect(await retention.runDue()).toBe(0);
    expect(await tenantRuns()).toBe(1);
    clock.advance(15_000);
    expect(await strata.runAutomation()).toBeGreaterThanOrEqual(1);
    expect(await tenantRuns()).toBe(0);
  });

  it("is off without a retention period, and refuses one out of bounds", async () => {
    const strata = Strata.fromStore(store, { tenant: uniqueTenant(), actor: "ann" });
    expect(strata.serviceLayer.retention.retention).toBeUndefined();
    expect(await strata.serviceLayer.retention.runRetention()).toBe(0);
    expect(await strata.serviceLayer.retention.runDue()).toBe(0);
    expect(() => Strata.fromStore(store, { retention: 5 })).toThrow(/between 1m and 36600d/);
  });
});
