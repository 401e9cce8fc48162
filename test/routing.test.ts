/**
 * Routing (DESIGN.md §3) on both stores: rollouts on the live route (sticky buckets, set,
 * promote, abort, replace), runs bound to their version across a rollout (L12), the guard
 * aborting by itself, schedules of steps that survive a restart, rollback, and the effect of
 * rollouts on retire (L8).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseDefinitionText } from "../src/core/definition/parse-definition.js";
import { PermanentTaskError, Strata } from "../src/index.js";
import type { AuditEvent, Run } from "../src/index.js";
import type { KyselyPlugin } from "kysely";
import type { Store } from "../src/store/store.js";
import { ManualClock } from "./support/manual-clock.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

const loan = parseDefinitionText(
  readFileSync(new URL("../examples/loan.yaml", import.meta.url), "utf8"),
) as Record<string, unknown> & { nodes: Record<string, Record<string, unknown>> };

/** The loan flow with another amount threshold: a real change, for version 2. */
function loanWithLimit(limit: number): unknown {
  const route = loan.nodes.route as { cases: Array<{ when: string; next: string }> };
  return {
    ...loan,
    nodes: {
      ...loan.nodes,
      route: {
        ...route,
        cases: route.cases.map((c, i) =>
          i === 0 ? { ...c, when: `amount > ${limit} and score < 50` } : c,
        ),
      },
    },
  };
}

const application = (id: string) => ({
  amount: 500,
  applicant: { id, income: 90_000, age: 30, country: "DE" },
});

/** A flow whose task `check` learns which version runs it (the handler fails on v2 only). */
function checked(version: number): unknown {
  return {
    start: "check",
    nodes: {
      check: {
        type: "task",
        handler: "check",
        input: { version: String(version) },
        next: "done",
      },
      done: { type: "end", output: { ok: "true" } },
    },
  };
}

/** A flow that waits for a signal: a run of it stays in flight until signalled. */
const waiting = {
  start: "hold",
  nodes: {
    hold: { type: "wait", signal: "go", next: "done" },
    done: { type: "end", output: { version: "'first'" } },
  },
};

describe.each(DIALECTS)("routing on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  let clock: ManualClock;
  let strata: Strata;
  let tenant: string;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
  });
  afterAll(() => close());
  beforeEach(() => {
    clock = new ManualClock();
    tenant = uniqueTenant();
    strata = Strata.fromStore(store, { tenant, actor: "ann", clock });
    strata.handlers.register("check", (input) => {
      if (String((input as { version: unknown }).version) === "2")
        return Promise.reject(new PermanentTaskError("v2 is broken", "broken"));
      return Promise.resolve({ ok: true });
    });
  });

  /** Publishes `definition` as the next version of `key` (creating the workflow first). */
  async function publish(key: string, definition: unknown, options = {}): Promise<number> {
    const existing = await strata.workflows.show(key).catch(() => null);
    if (existing === null) await strata.workflows.create({ key, definition });
    else {
      await strata.drafts.open(key).catch(() => undefined);
      const draft = await strata.drafts.show(key);
      await strata.drafts.save(key, { definition, revision: draft.revision });
    }
    const version = await strata.drafts.publish(key, options);
    return version.number ?? 0;
  }

  async function drain(): Promise<void> {
    while ((await strata.runDueWork()) > 0);
  }

  async function startFor(id: string): Promise<Run> {
    return strata.runs.start("loan", { input: application(id) });
  }

  async function auditOf(action: string): Promise<AuditEvent[]> {
    const page = await strata.audit.list({ limit: 1000 });
    return page.items.filter((event) => event.action === action);
  }

  it("sends a sticky share of keyed runs to the candidate, recording the route", async () => {
    await publish("loan", loan);
    await publish("loan", loanWithLimit(20_000), { rollout: { percent: 20 } });
    const route = await strata.rollouts.route("loan");
    expect(route).toMatchObject({ liveVersion: 1, latestVersion: 2 });
    expect(route.rollout).toMatchObject({ percent: 20, stableVersion: 1, candidateVersion: 2 });
    const rolloutId = route.rollout?.id;

    const runs = await Promise.all(
      Array.from({ length: 400 }, (_, i) => startFor(`applicant-${i}`)),
    );
    const onCandidate = runs.filter((run) => run.versionNumber === 2).length;
    expect(onCandidate).toBeGreaterThan(40); // 20% of 400 is 80
    expect(onCandidate).toBeLessThan(120);
    for (const run of runs) {
      // No key in the request: the definition's `routingKey` (applicant.id) is used.
      expect(run.routingKey).toBe((run.input as { applicant: { id: string } }).applicant.id);
      expect(run.route).toMatchObject({ selector: "live", rolloutId });
      expect(run.route.arm).toBe(run.versionNumber === 2 ? "candidate" : "stable");
      expect(run.route.bucket! < 2000).toBe(run.versionNumber === 2);
    }
    // The same applicant gets the same version every time; an explicit key wins.
    for (const run of runs.slice(0, 50)) {
      const again = await startFor(run.routingKey ?? "");
      expect(again.versionNumber).toBe(run.versionNumber);
    }
    const keyed = await strata.runs.start("loan", {
      input: application("whoever"),
      routingKey: runs[0]?.routingKey ?? "",
    });
    expect(keyed.versionNumber).toBe(runs[0]?.versionNumber);

    // Raising the percentage only moves keys to the candidate.
    await strata.rollouts.set("loan", { percent: 60 });
    for (const run of runs.filter((r) => r.versionNumber === 2)) {
      expect((await startFor(run.routingKey ?? "")).versionNumber).toBe(2);
    }
    const status = await strata.rollouts.status("loan");
    expect(status.arms.candidate.runs + status.arms.stable.runs).toBeGreaterThan(450);
    expect(status.arms.candidate.completed).toBe(status.arms.candidate.runs);
  });

  it("assigns keyless runs at random, and still counts them", async () => {
    await publish("flow", { start: "done", nodes: { done: { type: "end", output: {} } } });
    await publish(
      "flow",
      { start: "done", nodes: { done: { type: "end", output: { v: "2" } } } },
      {
        rollout: { percent: 50 },
      },
    );
    const runs = await Promise.all(
      Array.from({ length: 200 }, () => strata.runs.start("flow", { input: {} })),
    );
    const candidate = runs.filter((run) => run.versionNumber === 2).length;
    expect(candidate).toBeGreaterThan(60);
    expect(candidate).toBeLessThan(140);
    expect(runs.every((run) => run.routingKey === null && run.route.bucket !== undefined)).toBe(
      true,
    );
    const status = await strata.rollouts.status("flow");
    expect(status.arms.candidate.runs).toBe(candidate);
    expect(status.arms.stable.runs).toBe(200 - candidate);
  });

  it("allows one rollout at a time: a publish is refused unless it replaces the rollout", async () => {
    await publish("loan", loan);
    await publish("loan", loanWithLimit(20_000), { rollout: { percent: 10 } });
    await strata.drafts.open("loan");
    const draft = await strata.drafts.show("loan");
    await strata.drafts.save("loan", {
      definition: loanWithLimit(30_000),
      revision: draft.revision,
    });
    await expect(strata.drafts.publish("loan")).rejects.toMatchObject({
      code: "rollout_in_progress",
    });
    await expect(strata.rollouts.start("loan", { to: 2, percent: 5 })).rejects.toMatchObject({
      code: "rollout_in_progress",
    });
    // A pin-only publish does not touch the route, so it is allowed.
    const v3 = await strata.drafts.publish("loan", { activate: false });
    expect(v3.number).toBe(3);
    const replaced = await strata.rollouts.start("loan", { to: 3, percent: 5, replace: true });
    expect(replaced).toMatchObject({ candidateVersion: 3, stableVersion: 1, percent: 5 });
    const history = await strata.rollouts.list("loan");
    expect(history.map((r) => r.status)).toEqual(["active", "replaced"]);
    expect(history[1]?.endReason).toMatch(/replaced by a rollout of v3/);
  });

  it("promotes and aborts, each with an audit event; runs in flight stay on their version", async () => {
    await publish("hold", waiting);
    const inFlight = await strata.runs.start("hold", { input: {} });
    expect(inFlight.status).toBe("waiting");
    await publish(
      "hold",
      {
        ...waiting,
        nodes: { ...waiting.nodes, done: { type: "end", output: { version: "'second'" } } },
      },
      {
        rollout: { percent: 100 },
      },
    );
    const during = await strata.runs.start("hold", { input: {} });
    expect(during.versionNumber).toBe(2);
    await strata.rollouts.set("hold", { percent: 50 });
    const promoted = await strata.rollouts.promote("hold");
    expect(await strata.rollouts.status("hold")).toMatchObject({
      status: "promoted",
      percent: 100,
      endedAtPercent: 50,
    });
    // Once promoted the candidate has all the traffic (issue 18: the status said 50%).
    expect(promoted).toMatchObject({
      status: "promoted",
      endedBy: "ann",
      percent: 100,
      endedAtPercent: 50,
    });
    expect((await strata.workflows.show("hold")).liveVersion).toBe(2);
    // L12: the run that started on v1 finishes on v1.
    const finished = await strata.runs.signal(inFlight.id, "go", {});
    expect(finished).toMatchObject({ versionNumber: 1, output: { version: "first" } });

    await publish(
      "hold",
      {
        ...waiting,
        nodes: { ...waiting.nodes, done: { type: "end", output: { version: "'third'" } } },
      },
      {
        rollout: { percent: 100 },
      },
    );
    const onCandidate = await strata.runs.start("hold", { input: {} });
    expect(onCandidate.versionNumber).toBe(3);
    const aborted = await strata.rollouts.abort("hold", { reason: "looks wrong" });
    // Aborted at 100%: the candidate takes nothing now.
    expect(aborted).toMatchObject({
      status: "aborted",
      endReason: "looks wrong",
      percent: 0,
      endedAtPercent: 100,
    });
    expect((await strata.rollouts.list("hold"))[0]).toMatchObject({ id: aborted.id, percent: 0 });
    expect((await strata.runs.start("hold", { input: {} })).versionNumber).toBe(2);
    // The run the candidate took finishes on it.
    expect(await strata.runs.signal(onCandidate.id, "go", {})).toMatchObject({
      versionNumber: 3,
      output: { version: "third" },
    });
    expect((await auditOf("rollout.promoted"))[0]).toMatchObject({ actor: "ann" });
    expect((await auditOf("rollout.aborted"))[0]?.after).toMatchObject({
      status: "aborted",
      reason: "looks wrong",
      liveVersion: 2,
    });
  });

  it("refuses to retire either side of a rollout in progress", async () => {
    await publish("loan", loan);
    await publish("loan", loanWithLimit(20_000), { rollout: { percent: 10 } });
    await expect(strata.versions.retire("loan", 2)).rejects.toMatchObject({ code: "version_live" });
    await expect(strata.versions.retire("loan", 1)).rejects.toMatchObject({ code: "version_live" });
    const impact = await strata.versions.impact("loan", 2);
    expect(impact.retire).toMatchObject({ allowed: false, refusal: { code: "version_live" } });
  });

  it("counts the guard's figures before it takes the workflow's lock", async () => {
    // Where each count of a rollout's runs is made: inside a write transaction, or outside.
    const counted: ("inside" | "outside")[] = [];
    const watching = (where: "inside" | "outside"): KyselyPlugin => ({
      transformQuery: ({ node }) => {
        const text = JSON.stringify(node);
        if (
          node.kind === "SelectQueryNode" &&
          node.groupBy !== undefined &&
          text.includes('"rollout_id"')
        )
          counted.push(where);
        return node;
      },
      transformResult: ({ result }) => Promise.resolve(result),
    });
    const watched: Store = {
      ...store,
      db: store.db.withPlugin(watching("outside")),
      transaction: (work) => store.transaction((trx) => work(trx.withPlugin(watching("inside")))),
    };
    const guarded = Strata.fromStore(watched, { tenant, actor: "ann", clock });
    await publish("checked", checked(1));
    await publish("checked", checked(2), {
      rollout: { percent: 50, guard: { maxFailureRateIncrease: 5, minRuns: 20, every: "1m" } },
    });
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        strata.runs.start("checked", { input: {}, routingKey: `k${i}` }),
      ),
    );
    await drain();
    clock.advance(60_000);
    counted.length = 0;
    await guarded.runAutomation();
    // The guard looked (and tripped: the candidate fails every run) on figures read outside.
    expect((await strata.rollouts.status("checked")).status).toBe("aborted");
    expect(counted).toContain("outside");
    expect(counted).not.toContain("inside");
  });

  it("aborts by itself when the guard sees the candidate fail, within one interval", async () => {
    await publish("checked", checked(1));
    await publish("checked", checked(2), {
      rollout: { percent: 50, guard: { maxFailureRateIncrease: 5, minRuns: 20, every: "1m" } },
    });
    await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        strata.runs.start("checked", { input: {}, routingKey: `k${i}` }),
      ),
    );
    await drain();
    const status = await strata.rollouts.status("checked");
    expect(status.arms.candidate.failed).toBe(status.arms.candidate.runs);
    expect(status.arms.stable.failed).toBe(0);
    expect(status.guardVerdict?.verdict).toBe("tripped");
    // Not yet due: the guard looks once a minute.
    await strata.runAutomation();
    expect((await strata.rollouts.status("checked")).status).toBe("active");
    clock.advance(60_000);
    await strata.runAutomation();
    const ended = await strata.rollouts.status("checked");
    expect(ended).toMatchObject({ status: "aborted", endedBy: "strata:guard" });
    expect(ended.endReason).toMatch(/candidate \d+\/\d+ failed \(100%\), stable \d+\/\d+ \(0%\)/);
    const [event] = await auditOf("rollout.aborted");
    expect(event).toMatchObject({ actor: "strata:guard" });
    expect(event?.after).toMatchObject({
      guard: { verdict: "tripped", candidate: { failureRate: 100 }, stable: { failureRate: 0 } },
    });
    expect(
      (await strata.runs.start("checked", { input: {}, routingKey: "k1" })).versionNumber,
    ).toBe(1);
  });

  it("leaves a healthy rollout alone, and waits for enough runs", async () => {
    await publish("checked", checked(1));
    await publish("checked", checked(3), {
      rollout: { percent: 50, guard: { maxFailureRateIncrease: 5, minRuns: 1000, every: "1m" } },
    });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        strata.runs.start("checked", { input: {}, routingKey: `k${i}` }),
      ),
    );
    await drain();
    clock.advance(60_000);
    await strata.runAutomation();
    const status = await strata.rollouts.status("checked");
    expect(status).toMatchObject({ status: "active", guardVerdict: { verdict: "waiting" } });
  });

  it("ramps on its schedule, across a restart, and promotes at 100%", async () => {
    await publish("loan", loan);
    await publish("loan", loanWithLimit(20_000), {
      rollout: { percent: 5, steps: [5, 25, 50, 100], every: "1h" },
    });
    expect(await strata.rollouts.status("loan")).toMatchObject({
      percent: 5,
      steps: [25, 50, 100],
      nextStepAt: "2026-01-01T01:00:00.000Z",
    });
    clock.advance(59 * 60_000);
    await strata.runAutomation();
    expect((await strata.rollouts.status("loan")).percent).toBe(5);
    clock.advance(60_000);
    await strata.runAutomation();
    expect(await strata.rollouts.status("loan")).toMatchObject({ percent: 25, steps: [50, 100] });

    // A new process on the same database carries on where the schedule stands.
    const restarted = Strata.fromStore(store, { tenant, actor: "bob", clock });
    clock.advance(3_600_000);
    await restarted.runAutomation();
    expect((await restarted.rollouts.status("loan")).percent).toBe(50);
    clock.advance(3_600_000);
    await restarted.runAutomation();
    expect(await restarted.rollouts.status("loan")).toMatchObject({
      status: "promoted",
      endedBy: "strata:schedule",
    });
    expect((await strata.workflows.show("loan")).liveVersion).toBe(2);
    const steps = await auditOf("rollout.stepped");
    expect(steps.map((e) => (e.after as { percent: number }).percent)).toEqual([25, 50]);
    expect(steps.every((e) => e.actor === "strata:schedule")).toBe(true);
  });

  it("stops the automatic ramp when a person sets the percentage", async () => {
    await publish("loan", loan);
    await publish("loan", loanWithLimit(20_000), {
      rollout: { percent: 5, steps: [25, 50], every: "1h" },
    });
    await strata.rollouts.set("loan", { percent: 10 });
    clock.advance(2 * 3_600_000);
    await strata.runAutomation();
    expect(await strata.rollouts.status("loan")).toMatchObject({
      percent: 10,
      steps: [],
      nextStepAt: null,
    });
  });

  it("rolls back to any version at once, restoring a retired one and ending a rollout", async () => {
    await publish("loan", loan);
    await publish("loan", loanWithLimit(20_000), { retirePrevious: true });
    await publish("loan", loanWithLimit(30_000), { rollout: { percent: 30 } });
    const result = await strata.rollouts.rollback("loan", { to: 1 });
    expect(result).toMatchObject({
      liveVersion: 1,
      restored: true,
      rollout: null,
      endedRollout: { status: "rolled_back" },
    });
    expect((await strata.versions.show("loan", 1)).state).toBe("published");
    expect((await startFor("x")).versionNumber).toBe(1);
    const [event] = await auditOf("workflow.rolled_back");
    expect(event?.after).toMatchObject({ to: 1, restored: true, liveVersion: 1 });
  });

  it("rolls back at a percentage: a rollout towards the chosen version", async () => {
    await publish("loan", loan);
    await publish("loan", loanWithLimit(20_000));
    const result = await strata.rollouts.rollback("loan", { to: 1, percent: 20 });
    expect(result.rollout).toMatchObject({ stableVersion: 2, candidateVersion: 1, percent: 20 });
    expect(result.liveVersion).toBe(2);
  });

  it("refuses bad rollouts with clear codes", async () => {
    await publish("loan", loan);
    await expect(strata.rollouts.start("loan", { to: 1, percent: 10 })).rejects.toMatchObject({
      code: "validation_failed",
    });
    await expect(strata.rollouts.start("loan", { to: 9, percent: 10 })).rejects.toMatchObject({
      code: "not_found",
    });
    await publish("loan", loanWithLimit(20_000), { activate: false });
    for (const bad of [
      { to: 2, percent: 101 },
      { to: 2, percent: 10, steps: [50, 25], every: "1h" },
      { to: 2, percent: 10, steps: [50] },
      { to: 2, percent: 10, guard: { maxFailureRateIncrease: 2, minRuns: 0 } },
    ]) {
      await expect(strata.rollouts.start("loan", bad)).rejects.toMatchObject({
        code: "validation_failed",
      });
    }
    await expect(strata.rollouts.promote("loan")).rejects.toMatchObject({ code: "not_found" });
    await strata.versions.retire("loan", 2);
    await expect(strata.rollouts.start("loan", { to: 2, percent: 10 })).rejects.toMatchObject({
      code: "version_retired",
    });
    expect(await auditOf("rollout.started")).toEqual([]);
  });
});
