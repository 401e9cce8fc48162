/**
 * Running workflows (DESIGN.md §4, L10, L12, L13) on both stores: decisions inline, tasks with
 * retries, waits with signals and timers, cancel, test runs, and runs bound to their version.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseDefinitionText } from "../src/core/definition/parse-definition.js";
import { PermanentTaskError, Strata } from "../src/index.js";
import type { Run } from "../src/index.js";
import type { Store } from "../src/store/store.js";
import { ManualClock } from "./support/manual-clock.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

const loan = parseDefinitionText(
  readFileSync(new URL("../examples/loan.yaml", import.meta.url), "utf8"),
);
const applicant = (country: string, income = 90_000) => ({ id: "a-1", income, age: 30, country });

/** A flow that calls `work` (retried) and then waits for `go` or times out after 1 minute. */
const taskAndWait = {
  start: "work",
  nodes: {
    work: {
      type: "task",
      handler: "work",
      input: "$",
      retry: { maxAttempts: 3, initialInterval: "PT10S" },
      assign: { got: "$result.value" },
      next: "hold",
    },
    hold: {
      type: "wait",
      signal: "go",
      timeout: "PT1M",
      onTimeout: "late",
      assign: { by: "$signal.by" },
      next: "done",
    },
    done: { type: "end", output: { got: "got", by: "by" } },
    late: { type: "end", output: { got: "got", late: "true" } },
  },
};

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

describe.each(DIALECTS)("runs on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  let clock: ManualClock;
  let strata: Strata;
  let calls: Array<{ key: string; attempt: number }>;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
  });
  afterAll(() => close());
  beforeEach(() => {
    clock = new ManualClock();
    strata = Strata.fromStore(store, { tenant: uniqueTenant(), actor: "ann", clock });
    calls = [];
    strata.handlers.register("work", (input, ctx) => {
      calls.push({ key: ctx.idempotencyKey, attempt: ctx.attempt });
      const failTimes = (input as { failTimes?: number }).failTimes ?? 0;
      if ((input as { permanent?: boolean }).permanent === true)
        return Promise.reject(new PermanentTaskError("no way", "bad_input"));
      if (ctx.attempt <= failTimes)
        return Promise.reject(new Error(`attempt ${ctx.attempt} failed`));
      return Promise.resolve({ value: `v${ctx.attempt}` });
    });
  });

  async function publish(key: string, definition: unknown): Promise<void> {
    await strata.workflows.create({ key, definition });
    await strata.drafts.publish(key);
  }

  /** Runs due work until nothing is due at the clock's current time. */
  async function drain(): Promise<void> {
    while ((await strata.runDueWork()) > 0);
  }

  it("decides a pure flow inline and records the path", async () => {
    await publish("loan", loan);
    const approved = await strata.runs.start("loan", {
      input: { amount: 500, applicant: applicant("DE") },
    });
    expect(approved).toMatchObject({
      status: "completed",
      output: { decision: "approve", score: 60 },
      versionNumber: 1,
      kind: "production",
      route: { selector: "live" },
    });
    const rejected = await strata.runs.start("loan", {
      input: { amount: 500, applicant: applicant("US") },
    });
    expect(rejected.output).toEqual({ decision: "reject", score: 60 });
    expect((rejected.trace as Array<{ node: string }>).map((t) => t.node)).toEqual([
      "score",
      "route",
      "reject",
    ]);
    expect(await strata.runs.show(approved.id)).toEqual(approved);
  });

  it("refuses an input that does not match the schema, listing every error, and stores nothing", async () => {
    await publish("loan", loan);
    const failure = await strata.runs
      .start("loan", { input: { amount: "lots", applicant: { id: 1 } } })
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "input_invalid", status: 422 });
    const paths = (failure as { details: Array<{ path: string }> }).details
      .map((d) => d.path)
      .sort();
    expect(paths).toEqual(expect.arrayContaining(["/amount", "/applicant", "/applicant/id"]));
    expect((await strata.runs.list({ kind: "all" })).items).toEqual([]);
  });

  it("runs a task with retries and a stable idempotency key, then waits for a signal", async () => {
    await publish("flow", taskAndWait);
    const run = await strata.runs.start("flow", { input: { failTimes: 2 } });
    expect(run).toMatchObject({ status: "running", pendingTask: { node: "work", attempt: 1 } });
    await drain();
    expect(await strata.runs.show(run.id)).toMatchObject({
      status: "running",
      pendingTask: { attempt: 2 },
    });
    clock.advance(10_000);
    await drain();
    clock.advance(20_000);
    await drain();
    const waiting = await strata.runs.show(run.id);
    expect(waiting).toMatchObject({ status: "waiting", waitingFor: { signal: "go" } });
    expect(calls).toEqual([1, 2, 3].map((attempt) => ({ key: `${run.id}:work`, attempt })));
    await expectCode(strata.runs.signal(run.id, "stop"), "run_not_waiting");
    const done = await strata.runs.signal(run.id, "go", { by: "bob" });
    expect(done).toMatchObject({ status: "completed", output: { got: "v3", by: "bob" } });
    await expectCode(strata.runs.signal(run.id, "go"), "run_not_waiting");
  });

  it("applies a signal in a process that never compiled the run's version", async () => {
    await publish("flow", taskAndWait);
    const run = await strata.runs.start("flow", { input: {} });
    await drain();
    // A second engine on the same store: its caches are empty, as in a fresh process.
    const other = Strata.fromStore(store, { tenant: strata.context.tenantId, actor: "bob", clock });
    const done = await other.runs.signal(run.id, "go", { by: "bob" });
    expect(done).toMatchObject({ status: "completed", output: { got: "v1", by: "bob" } });
  });

  it("leaves a task to workers that have its handler", async () => {
    await publish("flow", taskAndWait);
    const run = await strata.runs.start("flow", { input: {} });
    const without = Strata.fromStore(store, { tenant: strata.context.tenantId, clock });
    expect(await without.runDueWork()).toBe(0);
    expect(await strata.runs.show(run.id)).toMatchObject({
      status: "running",
      pendingTask: { attempt: 1 },
    });
    await drain();
    expect((await strata.runs.show(run.id)).status).toBe("waiting");
  });

  it("keeps the lease of a long task, so another worker does not take it over", async () => {
    const short = Strata.fromStore(store, { tenant: strata.context.tenantId, leaseMs: 150 });
    let release: () => void = () => undefined;
    let calls = 0;
    short.handlers.register("work", async () => {
      calls += 1;
      await new Promise<void>((resolve) => (release = resolve));
      return { value: "slow" };
    });
    await short.workflows.create({ key: "slow", definition: taskAndWait });
    await short.drafts.publish("slow");
    const run = await short.runs.start("slow", { input: {} });
    const first = short.runDueWork();
    await new Promise((resolve) => setTimeout(resolve, 600)); // four leases long
    const other = Strata.fromStore(store, { tenant: strata.context.tenantId, leaseMs: 150 });
    other.handlers.register("work", () => Promise.resolve({ value: "other" }));
    expect(await other.runDueWork()).toBe(0);
    release();
    await first;
    expect(calls).toBe(1);
    expect(await short.runs.show(run.id)).toMatchObject({ status: "waiting" });
  });

  it("fires a timer once and takes the timeout branch", async () => {
    await publish("flow", taskAndWait);
    const run = await strata.runs.start("flow", { input: {} });
    await drain();
    clock.advance(59_000);
    await drain();
    expect((await strata.runs.show(run.id)).status).toBe("waiting");
    clock.advance(1_000);
    await drain();
    await drain();
    const ended = await strata.runs.show(run.id);
    expect(ended).toMatchObject({ status: "completed", output: { got: "v1", late: true } });
    expect(
      (ended.trace as Array<{ event?: string }>).filter((t) => t.event === "timer"),
    ).toHaveLength(1);
  });

  it("fails a run whose task keeps failing, or fails for good at once", async () => {
    await publish("flow", taskAndWait);
    const permanent = await strata.runs.start("flow", { input: { permanent: true } });
    await drain();
    expect(await strata.runs.show(permanent.id)).toMatchObject({
      status: "failed",
      error: { code: "task_failed", node: "work" },
    });
    expect(calls).toHaveLength(1);
  });

  it("cancels a waiting run, and refuses to cancel it twice", async () => {
    await publish("flow", taskAndWait);
    const run = await strata.runs.start("flow", { input: {} });
    await drain();
    const cancelled = await strata.runs.cancel(run.id);
    expect(cancelled).toMatchObject({ status: "cancelled", error: { code: "cancelled" } });
    await expectCode(strata.runs.cancel(run.id), "run_finished");
    await expectCode(strata.runs.signal(run.id, "go"), "run_not_waiting");
    await expectCode(strata.runs.show("run_01h00000000000000000000000"), "not_found");
  });

  it("keeps a waiting run on its version through publish and retire (L12)", async () => {
    await publish("flow", taskAndWait);
    const run = await strata.runs.start("flow", { input: {} });
    await drain();
    const draft = await strata.drafts.open("flow");
    const changed = structuredClone(taskAndWait);
    changed.nodes.done.output = { got: "'changed'", by: "by" };
    await strata.drafts.save("flow", { definition: changed, revision: draft.revision });
    await strata.drafts.publish("flow");
    await strata.versions.retire("flow", 1);
    const done = await strata.runs.signal(run.id, "go", { by: "ann" });
    expect(done).toMatchObject({ versionNumber: 1, output: { got: "v1", by: "ann" } });
    const next = await strata.runs.start("flow", { input: {} });
    expect(next.versionNumber).toBe(2);
    await expectCode(strata.runs.start("flow", { input: {}, version: 1 }), "version_retired");
  });

  it("keeps test runs apart (L13) and counts them against delete (L10)", async () => {
    await publish("loan", loan);
    const input = { amount: 1, applicant: applicant("FR") };
    const test = await strata.runs.start("loan", { input, kind: "test" });
    const draftRun = await strata.drafts.run("loan", { input }).catch((e: unknown) => e);
    expect(draftRun).toMatchObject({ code: "not_found" }); // no draft open
    await strata.drafts.open("loan");
    const ofDraft = await strata.drafts.run("loan", { input });
    expect(ofDraft).toMatchObject({
      kind: "test",
      versionNumber: null,
      route: { selector: "draft" },
    });
    const production = await strata.runs.start("loan", { input, version: "latest" });
    expect((await strata.runs.list()).items.map((r: Run) => r.id)).toEqual([production.id]);
    expect((await strata.runs.list({ kind: "test" })).items.map((r) => r.id).sort()).toEqual(
      [test.id, ofDraft.id].sort(),
    );
    expect((await strata.versions.show("loan", 1)).runCounts).toEqual({
      production: { completed: 1 },
      test: { completed: 1 },
    });
    await strata.workflows.deactivate("loan");
    await expectCode(strata.runs.start("loan", { input }), "workflow_deactivated");
    expect((await strata.drafts.run("loan", { input })).status).toBe("completed");
    await strata.versions.retire("loan", 1);
    await expectCode(strata.versions.delete("loan", 1), "version_has_runs");
  });

  it("keeps a draft's test runs off the version the draft becomes", async () => {
    await strata.workflows.create({ key: "flow", definition: taskAndWait });
    const test = await strata.drafts.run("flow", { input: {} });
    expect(test).toMatchObject({ kind: "test", versionNumber: null });
    const v1 = await strata.drafts.publish("flow");
    expect(v1).toMatchObject({
      runCounts: { production: {}, test: {} },
      openRuns: 0,
      drained: true,
    });
    await drain(); // the draft run still runs, on the definition it started with
    expect((await strata.runs.show(test.id)).status).toBe("waiting");
    await strata.workflows.deactivate("flow");
    await strata.versions.retire("flow", 1);
    await strata.versions.delete("flow", 1); // no runs of v1 itself
  });

  it("ends a runaway loop at the step limit", async () => {
    await publish("loop", {
      start: "spin",
      nodes: {
        spin: { type: "set", assign: { n: "$exists(n) ? n + 1 : 1" }, next: "check" },
        check: { type: "switch", cases: [{ when: "n < 0", next: "out" }], default: "spin" },
        out: { type: "end" },
      },
    });
    const run = await strata.runs.start("loop", { input: {} });
    expect(run).toMatchObject({ status: "failed", error: { code: "step_limit_exceeded" } });
  });

  it("returns the same run for the same idempotency key and refuses a reused one", async () => {
    await publish("loan", loan);
    const input = { amount: 1, applicant: applicant("NL") };
    const first = await strata.runs.start("loan", { input, idempotencyKey: "k1" });
    const again = await strata.runs.start("loan", { input, idempotencyKey: "k1" });
    expect(again.id).toBe(first.id);
    await expectCode(
      strata.runs.start("loan", { input: { ...input, amount: 2 }, idempotencyKey: "k1" }),
      "idempotency_key_reused",
    );
    expect((await strata.runs.list()).items).toHaveLength(1);
  });

  it("answers concurrent starts with one idempotency key with one run", async () => {
    await publish("loan", loan);
    const input = { amount: 1, applicant: applicant("NL") };
    const runs = await Promise.all(
      [1, 2, 3].map(() => strata.runs.start("loan", { input, idempotencyKey: "same" })),
    );
    expect(new Set(runs.map((r) => r.id)).size).toBe(1);
  });

  it("commits many concurrent starts together (group commit) without losing one", async () => {
    await publish("loan", loan);
    const runs = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        strata.runs.start("loan", {
          input: { amount: i, applicant: applicant(i % 2 ? "DE" : "US") },
        }),
      ),
    );
    expect(new Set(runs.map((r) => r.id)).size).toBe(300);
    const listed = await strata.runs.list({ limit: 1000 });
    expect(listed.items).toHaveLength(300);
    expect(
      listed.items.filter((r) => (r.output as { decision: string }).decision === "approve"),
    ).toHaveLength(150);
  });
});
