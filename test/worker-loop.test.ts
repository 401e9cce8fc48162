/**
 * The worker loop of issue 16 on both stores: slots instead of rounds (a slow task holds one
 * slot, never the worker), wake-ups from other processes (PostgreSQL LISTEN/NOTIFY) so the
 * poll is only a fallback, the fleet's rows (`/v1/workers`, `strata worker list`), the probes,
 * and exactly one first admin token however many processes start at once.
 */
import { getEventListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { deadlineSignal } from "../src/engine/deadline-signal.js";
import { AttemptControl } from "../src/engine/attempt-control.js";
import { Strata } from "../src/index.js";
import type { Run } from "../src/index.js";
import { DIALECTS, createTestDatabase, uniqueTenant } from "./support/test-stores.js";
import type { TestDatabase } from "./support/test-stores.js";

const oneTask = (handler: string) => ({
  start: "work",
  nodes: {
    work: { type: "task", handler, input: "$", next: "done" },
    done: { type: "end", output: { ok: "true" } },
  },
});

/** Waits for `check` to hold, looking every 20 ms (bounded by the test's timeout). */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(20);
}

describe.each(DIALECTS)("the worker loop on %s", (dialect) => {
  let database: TestDatabase;
  let strata: Strata;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    strata = await Strata.open({ database: database.location, tenant: uniqueTenant() });
  });
  afterAll(async () => {
    await strata.close();
    await database.cleanup();
  });

  it("keeps its slots busy: runs complete while a slow task holds one slot", async () => {
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    strata.handlers.register("sometimes-slow", async (input) => {
      calls++;
      if ((input as { i: number }).i === 0) await blocked;
      return input;
    });
    await strata.workflows.create({ key: "slots", definition: oneTask("sometimes-slow") });
    await strata.drafts.publish("slots", {});
    const runs: Run[] = [];
    for (let i = 0; i < 20; i++) runs.push(await strata.runs.start("slots", { input: { i } }));
    strata.startWorker({ concurrency: 4, pollMs: 20 });
    // 19 complete through the three free slots while run 0 still holds the fourth.
    await until(async () => {
      const page = await strata.runs.list({ workflow: "slots", status: "completed", limit: 50 });
      return page.items.length === 19;
    });
    expect((await strata.runs.show(runs[0]?.id ?? "")).status).toBe("running");
    const workers = await strata.workers.list();
    expect(workers.items).toHaveLength(1);
    expect(workers.items[0]).toMatchObject({
      kind: "library",
      concurrency: 4,
      status: "alive",
      pid: process.pid,
    });
    expect(workers.items[0]?.handlers).toContain("sometimes-slow");
    release();
    await until(async () => (await strata.runs.show(runs[0]?.id ?? "")).status === "completed");
    expect(calls).toBe(20);
    await strata.stopWorker();
    // A stopped loop takes its row with it.
    expect((await strata.workers.list()).items).toHaveLength(0);
  });

  it("answers the probes, and lists the fleet for operators only", async () => {
    const app = await createApp({ services: strata.serviceLayer, consoleDir: null, rateLimit: 0 });
    try {
      expect((await app.inject({ method: "GET", url: "/livez" })).json()).toEqual({
        status: "ok",
      });
      const ready = await app.inject({ method: "GET", url: "/readyz" });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({
        status: "ready",
        checks: [
          { name: "database", ok: true },
          { name: "migrations", ok: true },
        ],
      });
      strata.startWorker({ concurrency: 2, kind: "serve" });
      const withWorker = await app.inject({ method: "GET", url: "/readyz" });
      expect(withWorker.json()).toMatchObject({
        status: "ready",
        checks: [{ name: "database" }, { name: "migrations" }, { name: "worker", ok: true }],
      });
      const viewer = await strata.tokens.create({ role: "viewer" });
      const operator = await strata.tokens.create({ role: "operator" });
      const asViewer = await app.inject({
        method: "GET",
        url: "/v1/workers",
        headers: { authorization: `Bearer ${viewer.token}` },
      });
      expect(asViewer.statusCode).toBe(403);
      const listed = await app.inject({
        method: "GET",
        url: "/v1/workers",
        headers: { authorization: `Bearer ${operator.token}` },
      });
      expect(listed.statusCode).toBe(200);
      expect(listed.json()).toMatchObject({ items: [{ kind: "serve", concurrency: 2 }] });
      // The gauges of work in progress: a waiting run of this tenant, the slots of this loop.
      await strata.workflows.create({
        key: "parked",
        definition: {
          start: "hold",
          nodes: {
            hold: { type: "wait", signal: "go", next: "done" },
            done: { type: "end", output: { ok: "true" } },
          },
        },
      });
      await strata.drafts.publish("parked", {});
      await strata.runs.start("parked", { input: {} });
      const metrics = await app.inject({
        method: "GET",
        url: "/metrics",
        headers: { authorization: `Bearer ${viewer.token}` },
      });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toMatch(
        new RegExp(`strata_runs_open\\{tenant="${strata.context.tenantId}",status="waiting"\\} 1`),
      );
      expect(metrics.body).toMatch(/strata_runs_due \d+/);
      expect(metrics.body).toMatch(/strata_claim_lag_seconds \d/);
      expect(metrics.body).toMatch(/strata_worker_slots\{state="total"\} 2/);
      expect(metrics.body).toMatch(/strata_tasks_in_flight 0/);
    } finally {
      await strata.stopWorker();
      await app.close();
    }
  });
});

describe("wake-ups across processes on PostgreSQL", () => {
  let database: TestDatabase;
  let starter: Strata;
  let worker: Strata;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    starter = await Strata.open({ database: database.location });
    worker = await Strata.open({ database: database.location });
  });
  afterAll(async () => {
    await Promise.all([starter.close(), worker.close()]);
    await database.cleanup();
  });

  it("runs work another process made due at once, though its poll is ten minutes", async () => {
    worker.handlers.register("echo", (input) => Promise.resolve(input));
    await starter.workflows.create({ key: "woken", definition: oneTask("echo") });
    await starter.drafts.publish("woken", {});
    worker.startWorker({ pollMs: 600_000 });
    // The loop's first look finds nothing; from then on only a notification wakes it. Wait
    // until its LISTEN session is up (a notification sent before that is not delivered).
    const name = new URL(database.location).pathname.slice(1);
    await until(async () => {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = ${name} AND query LIKE 'LISTEN%'`.execute(starter.store.db);
      return (rows[0]?.n ?? 0) > 0;
    });
    await sleep(100);
    const run = await starter.runs.start("woken", { input: { i: 1 } });
    await until(async () => (await starter.runs.show(run.id)).status === "completed");
    await worker.stopWorker();
  });
});

describe("a task's deadline signal", () => {
  it("lets go of its parent and its timer when the work ends", () => {
    const parent = new AbortController();
    const timers = countTimers();
    for (let i = 0; i < 100; i++) {
      const deadline = deadlineSignal(parent.signal, 60_000);
      deadline.dispose();
    }
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(0);
    expect(countTimers()).toBe(timers);
  });

  it("aborts at the deadline or with its parent, and says which", async () => {
    const parent = new AbortController();
    const late = deadlineSignal(parent.signal, 10);
    await sleep(30);
    expect(late.signal.aborted).toBe(true);
    expect(late.timedOut).toBe(true);
    late.dispose();
    const cancelled = deadlineSignal(parent.signal, 60_000);
    parent.abort(new Error("the run was cancelled"));
    expect((cancelled.signal.reason as Error).message).toBe("the run was cancelled");
    expect(cancelled.timedOut).toBe(false);
    cancelled.dispose();
  });
});

describe("a task attempt's control", () => {
  it("clears its timer when the work ends, however it ends", async () => {
    const timers = countTimers();
    for (let i = 0; i < 100; i++) {
      const control = new AttemptControl();
      expect(await control.run(() => i, 60_000)).toBe(i);
      await expect(
        new AttemptControl().run(() => {
          throw new Error("at once");
        }, 60_000),
      ).rejects.toThrow("at once");
      await expect(
        new AttemptControl().run(() => Promise.reject(new Error("later")), 60_000),
      ).rejects.toThrow("later");
    }
    expect(countTimers()).toBe(timers);
  });

  it("rejects at the deadline or when aborted, and says which, even if the work never ends", async () => {
    const late = new AttemptControl();
    await expect(late.run(() => new Promise(() => undefined), 10)).rejects.toThrow(/timed out/);
    expect(late.timedOut).toBe(true);
    expect(late.signal.aborted).toBe(true);
    const cancelled = new AttemptControl();
    const running = cancelled.run(() => new Promise(() => undefined), 60_000);
    cancelled.abort(new Error("the run was cancelled"));
    await expect(running).rejects.toThrow("the run was cancelled");
    expect(cancelled.timedOut).toBe(false);
    expect((cancelled.signal.reason as Error).message).toBe("the run was cancelled");
    // Aborted before it runs: the work is not called.
    let called = false;
    await expect(cancelled.run(() => (called = true), 60_000)).rejects.toThrow("cancelled");
    expect(called).toBe(false);
  });
});

/** The timers this process holds. */
function countTimers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === "Timeout").length;
}
