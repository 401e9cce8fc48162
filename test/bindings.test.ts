/**
 * Bindings, events and schedules (DESIGN.md §3) on both stores: selectors resolved per run,
 * `broken` with the reason and the matching refusal, re-pinning, events fanning out to their
 * bindings and following a publish at once, cron ticks firing once (with two engines on one
 * database), missed ticks coalesced, and the impact of a retire shown as a dry run.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseDefinitionText } from "../src/core/definition/parse-definition.js";
import { Strata } from "../src/index.js";
import type { Store } from "../src/store/store.js";
import { ManualClock } from "./support/manual-clock.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

const loan = parseDefinitionText(
  readFileSync(new URL("../examples/loan.yaml", import.meta.url), "utf8"),
) as Record<string, unknown>;

/** A flow that outputs which version ran it. */
const tagged = (tag: string) => ({
  start: "done",
  nodes: { done: { type: "end", output: { tag: `'${tag}'` } } },
});

/** A flow that stays waiting, so its runs are in flight. */
const waiting = {
  start: "hold",
  nodes: { hold: { type: "wait", signal: "go", next: "done" }, done: { type: "end", output: {} } },
};

describe.each(DIALECTS)("bindings on %s", (dialect) => {
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
  });

  /** Publishes `definition` as the next version of `key`. */
  async function publish(key: string, definition: unknown, options = {}): Promise<void> {
    const exists = await strata.workflows.show(key).then(
      () => true,
      () => false,
    );
    if (!exists) await strata.workflows.create({ key, definition });
    else {
      await strata.drafts.open(key).catch(() => undefined);
      const draft = await strata.drafts.show(key);
      await strata.drafts.save(key, { definition, revision: draft.revision });
    }
    await strata.drafts.publish(key, options);
  }

  it("runs through live, latest and pinned selectors, resolved per run", async () => {
    await publish("flow", tagged("one"));
    await publish("flow", tagged("two"), { activate: false });
    await strata.bindings.create({ name: "by-live", workflow: "flow" });
    await strata.bindings.create({ name: "by-latest", workflow: "flow", selector: "latest" });
    await strata.bindings.create({ name: "pinned", workflow: "flow", selector: 1 });
    const live = await strata.bindings.run("by-live", { input: {} });
    const latest = await strata.bindings.run("by-latest", { input: {} });
    const pinned = await strata.bindings.run("pinned", { input: {} });
    expect([live.versionNumber, latest.versionNumber, pinned.versionNumber]).toEqual([1, 2, 1]);
    expect(live.route).toEqual({ selector: "live", binding: "by-live" });
    expect(latest.route).toEqual({ selector: "latest", binding: "by-latest" });
    expect(pinned.route).toEqual({ selector: "1", binding: "pinned" });
    const listed = await strata.bindings.list();
    expect(listed.items.map((b) => [b.name, b.status, b.resolvedVersion])).toEqual([
      ["by-latest", "ok", 2],
      ["by-live", "ok", 1],
      ["pinned", "ok", 1],
    ]);
    await expect(
      strata.bindings.create({ name: "pinned", workflow: "flow" }),
    ).rejects.toMatchObject({ code: "binding_exists" });
  });

  it("breaks a binding whose pinned version is retired, refuses its runs, and re-pinning fixes it", async () => {
    await publish("flow", tagged("one"));
    await publish("flow", tagged("two"));
    await strata.bindings.create({ name: "pinned", workflow: "flow", selector: 1 });
    const impact = await strata.versions.impact("flow", 1);
    expect(impact).toMatchObject({
      retire: { allowed: true, refusal: null },
      bindings: [{ name: "pinned", selector: 1, effect: "breaks", code: "version_retired" }],
      openRuns: 0,
    });
    expect((await strata.versions.show("flow", 1)).state).toBe("published"); // a dry run
    await strata.versions.retire("flow", 1);
    const broken = await strata.bindings.show("pinned");
    expect(broken).toMatchObject({ status: "broken", problem: { code: "version_retired" } });
    expect(broken.problem?.message).toMatch(/re-pin/);
    await expect(strata.bindings.run("pinned", { input: {} })).rejects.toMatchObject({
      code: "version_retired",
    });
    const fixed = await strata.bindings.update("pinned", { selector: 2 });
    expect(fixed).toMatchObject({ status: "ok", selector: 2, resolvedVersion: 2 });
    expect((await strata.bindings.run("pinned", { input: {} })).versionNumber).toBe(2);
  });

  it("refuses to pin a binding to a retired or missing version, when created or re-pinned (L8)", async () => {
    await publish("flow", tagged("one"));
    await publish("flow", tagged("two"));
    await strata.versions.retire("flow", 1);
    const retired = strata.bindings.create({ name: "old", workflow: "flow", selector: 1 });
    await expect(retired).rejects.toMatchObject({ code: "version_retired" });
    await expect(retired).rejects.toThrow(/strata version restore flow 1/);
    await expect(
      strata.bindings.create({ name: "none", workflow: "flow", selector: 9 }),
    ).rejects.toMatchObject({ code: "not_found" });
    await strata.bindings.create({ name: "now", workflow: "flow", selector: 2 });
    await expect(strata.bindings.update("now", { selector: 1 })).rejects.toMatchObject({
      code: "version_retired",
    });
    expect((await strata.bindings.list()).items.map((b) => b.name)).toEqual(["now"]);
    // A pin that a later retire broke is kept, and the binding's other settings still change.
    await publish("flow", tagged("three"));
    await strata.versions.retire("flow", 2);
    const updated = await strata.bindings.update("now", { event: "flow.requested" });
    expect(updated).toMatchObject({ status: "broken", selector: 2, event: "flow.requested" });
  });

  it("lists every reason a binding is broken, not only the first", async () => {
    await publish("flow", tagged("one"));
    await publish("flow", tagged("two"));
    await strata.bindings.create({ name: "both", workflow: "flow", selector: 1 });
    await strata.versions.retire("flow", 1);
    await strata.workflows.deactivate("flow");
    const both = await strata.bindings.show("both");
    expect(both.problem?.code).toBe("workflow_deactivated");
    expect(both.problems.map((p) => p.code)).toEqual(["workflow_deactivated", "version_retired"]);
    expect((await strata.bindings.show("both")).status).toBe("broken");
  });

  it("breaks every binding of a deactivated workflow, and a live one without a live version", async () => {
    await publish("flow", tagged("one"));
    await strata.bindings.create({ name: "b", workflow: "flow", selector: "latest" });
    await strata.workflows.deactivate("flow");
    expect(await strata.bindings.show("b")).toMatchObject({
      status: "broken",
      problem: { code: "workflow_deactivated" },
    });
    await expect(strata.bindings.run("b", { input: {} })).rejects.toMatchObject({
      code: "workflow_deactivated",
    });
    await strata.workflows.activate("flow");
    expect((await strata.bindings.show("b")).status).toBe("ok");

    await strata.workflows.create({ key: "unpublished", definition: tagged("x") });
    await strata.bindings.create({ name: "nothing-live", workflow: "unpublished" });
    expect(await strata.bindings.show("nothing-live")).toMatchObject({
      status: "broken",
      problem: { code: "no_live_version" },
    });
  });

  it("shows what a retire would break and which runs are in flight, changing nothing", async () => {
    await publish("hold", waiting);
    await publish("hold", { ...waiting, name: "second" });
    const open = await strata.runs.start("hold", { input: {}, version: 1 });
    await strata.bindings.create({ name: "latest-hold", workflow: "hold", selector: "latest" });
    const impact = await strata.versions.impact("hold", 2);
    expect(impact).toMatchObject({
      live: true,
      retire: { allowed: false, refusal: { code: "version_live" } },
      bindings: [{ name: "latest-hold", effect: "moves", movesTo: 1 }],
    });
    const first = await strata.versions.impact("hold", 1);
    expect(first).toMatchObject({
      openRuns: 1,
      openRunIds: [open.id],
      delete: { allowed: false, refusal: { code: "version_not_retired" } },
    });
  });

  it("starts one run per subscribed binding per event, and the next event after a publish uses the new version", async () => {
    await publish("loan", loan);
    await publish("flow", tagged("one"));
    await strata.bindings.create({ name: "score", workflow: "loan", event: "loan.submitted" });
    await strata.bindings.create({ name: "audit", workflow: "flow", event: "loan.submitted" });
    await strata.bindings.create({
      name: "old",
      workflow: "flow",
      selector: 1,
      event: "loan.submitted",
    });
    await strata.bindings.create({ name: "other", workflow: "flow", event: "loan.paid" });
    const data = { amount: 500, applicant: { id: "a-1", income: 90_000, age: 30, country: "DE" } };
    const first = await strata.events.publish({ type: "loan.submitted", data, key: "a-1" });
    expect(first.refused).toEqual([]);
    expect(first.runs.map((r) => [r.binding, r.versionNumber, r.status])).toEqual([
      ["audit", 1, "completed"],
      ["old", 1, "completed"],
      ["score", 1, "completed"],
    ]);
    await publish("flow", tagged("two"), { retirePrevious: true });
    const second = await strata.events.publish({ type: "loan.submitted", data });
    expect(second.runs.map((r) => [r.binding, r.versionNumber])).toEqual([
      ["audit", 2],
      ["score", 1],
    ]);
    expect(second.refused.map((r) => [r.binding, r.code])).toEqual([["old", "version_retired"]]);
    expect(second.refused[0]?.message).toMatch(/binding old is broken: .*re-pin/);
    const run = await strata.runs.show(second.runs[0]?.runId ?? "");
    expect(run.output).toEqual({ tag: "two" });
    expect(run.route).toEqual({ selector: "live", binding: "audit" });
    expect(await strata.events.publish({ type: "nobody.listens", data: {} })).toEqual({
      type: "nobody.listens",
      runs: [],
      refused: [],
    });
  });

  it("fires a schedule once per tick and coalesces ticks missed while nothing ran", async () => {
    await publish("flow", tagged("one"));
    const created = await strata.bindings.create({
      name: "every-5",
      workflow: "flow",
      cron: "*/5 * * * *",
      input: { from: "schedule" },
    });
    expect(created.nextFireAt).toBe("2026-01-01T00:05:00.000Z");
    await strata.runAutomation();
    expect((await strata.runs.list()).items).toEqual([]);
    clock.advance(5 * 60_000);
    await strata.runAutomation();
    await strata.runAutomation();
    let runs = (await strata.runs.list()).items;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      input: { from: "schedule" },
      createdBy: "strata:schedule",
      route: { selector: "live", binding: "every-5" },
    });
    expect((await strata.bindings.show("every-5")).nextFireAt).toBe("2026-01-01T00:10:00.000Z");
    // Half an hour with no worker: six ticks missed, one run for them, then back on schedule.
    clock.advance(32 * 60_000);
    await strata.runAutomation();
    runs = (await strata.runs.list()).items;
    expect(runs).toHaveLength(2);
    expect((await strata.bindings.show("every-5")).nextFireAt).toBe("2026-01-01T00:40:00.000Z");
    // A broken binding's tick passes without a run.
    await strata.workflows.deactivate("flow");
    clock.advance(5 * 60_000);
    await strata.runAutomation();
    expect((await strata.runs.list()).items).toHaveLength(2);
    expect((await strata.bindings.show("every-5")).nextFireAt).toBe("2026-01-01T00:45:00.000Z");
  });

  it("fires a tick once even when several engines on the database see it at once", async () => {
    await publish("flow", tagged("one"));
    await strata.bindings.create({ name: "hourly", workflow: "flow", cron: "0 * * * *" });
    const engines = Array.from({ length: 4 }, () =>
      Strata.fromStore(store, { tenant, actor: "worker", clock }),
    );
    clock.advance(3_600_000);
    await Promise.all(engines.map((engine) => engine.runAutomation()));
    await Promise.all(engines.map((engine) => engine.runAutomation()));
    expect((await strata.runs.list()).items).toHaveLength(1);
    clock.advance(3_600_000);
    await Promise.all(engines.map((engine) => engine.runAutomation()));
    expect((await strata.runs.list()).items).toHaveLength(2);
  });

  it("refuses invalid bindings with validation_failed, storing nothing", async () => {
    await publish("flow", tagged("one"));
    for (const bad of [
      { name: "Bad Name", workflow: "flow" },
      { name: "b", workflow: "flow", cron: "every minute" },
      { name: "b", workflow: "flow", cron: "* * * * *", timezone: "Mars/Olympus" },
      { name: "b", workflow: "flow", timezone: "Europe/Berlin" },
      { name: "b", workflow: "flow", event: "Not An Event" },
      { name: "b", workflow: "flow", selector: 0 },
    ]) {
      await expect(strata.bindings.create(bad)).rejects.toMatchObject({
        code: "validation_failed",
      });
    }
    await expect(strata.bindings.create({ name: "b", workflow: "nope" })).rejects.toMatchObject({
      code: "not_found",
    });
    expect((await strata.bindings.list()).items).toEqual([]);
    await strata.bindings.create({ name: "b", workflow: "flow" });
    await strata.bindings.delete("b");
    await expect(strata.bindings.show("b")).rejects.toMatchObject({ code: "not_found" });
    const actions = (await strata.audit.list({ limit: 100 })).items.map((e) => e.action);
    expect(actions.filter((a) => a.startsWith("binding."))).toEqual([
      "binding.created",
      "binding.deleted",
    ]);
  });
});
