/**
 * Replay, diff and the compatibility gate (DESIGN.md §5, §6, L7) through the service layer on
 * both stores, with runs the real executor made: replay never calls a handler, reproduces a run
 * against its own version, shows what a changed version would decide, refuses an input that no
 * longer fits (`input_schema_drift`) unless an adapter makes it fit, and publish keeps the
 * workflow's compatibility mode unless forced.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseDefinitionText } from "../src/core/definition/parse-definition.js";
import { Strata } from "../src/index.js";
import type { Run } from "../src/index.js";
import type { Store } from "../src/store/store.js";
import { ManualClock } from "./support/manual-clock.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

type Json = Record<string, unknown>;
const loan = parseDefinitionText(
  readFileSync(new URL("../examples/loan.yaml", import.meta.url), "utf8"),
) as Json & { nodes: Json; inputSchema: Json };

/** The loan flow with the `notify` task on a handler of ours, and a review threshold. */
function loanFlow(limit = 10_000, changes: Partial<Json> = {}): Json {
  const route = loan.nodes.route as { cases: Array<{ when: string; next: string }> };
  return {
    ...loan,
    nodes: {
      ...loan.nodes,
      notify: {
        type: "task",
        handler: "notify",
        input: "$",
        retry: { maxAttempts: 3 },
        next: "approve",
      },
      route: {
        ...route,
        cases: route.cases.map((c, i) =>
          i === 0 ? { ...c, when: `amount > ${limit} and score < 50` } : c,
        ),
      },
    },
    ...changes,
  };
}

const application = (amount: number, country: string, income = 40_000) => ({
  amount,
  applicant: { id: `a-${amount}-${country}`, income, age: 35, country },
});

describe.each(DIALECTS)("replay on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  let clock: ManualClock;
  let strata: Strata;
  let notifyCalls: number;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
  });
  afterAll(() => close());
  beforeEach(() => {
    clock = new ManualClock();
    strata = Strata.fromStore(store, { tenant: uniqueTenant(), actor: "ann", clock });
    notifyCalls = 0;
    strata.handlers.register("notify", () => {
      notifyCalls += 1;
      // The first attempt fails, so the recorded run has a retry in its trace.
      return notifyCalls % 2 === 1
        ? Promise.reject(new Error("503 from the webhook"))
        : Promise.resolve({ status: 200 });
    });
  });

  async function publish(definition: Json, options = {}): Promise<void> {
    const exists = await strata.workflows.show("loan").then(
      () => true,
      () => false,
    );
    if (!exists) await strata.workflows.create({ key: "loan", definition });
    else {
      await strata.drafts.open("loan").catch(() => undefined);
      const draft = await strata.drafts.show("loan");
      await strata.drafts.save("loan", { definition, revision: draft.revision });
    }
    await strata.drafts.publish("loan", options);
  }

  /** A run that went through review, a failed and a retried notify, and was approved. */
  async function reviewedRun(input = application(15_000, "DE")): Promise<Run> {
    const run = await strata.runs.start("loan", { input });
    expect(run.status).toBe("waiting");
    clock.advance(3_600_000);
    await strata.runs.signal(run.id, "review", { by: "ana" });
    for (let i = 0; i < 5; i++) {
      while ((await strata.runDueWork()) > 0);
      clock.advance(60_000);
    }
    const done = await strata.runs.show(run.id);
    expect(done.status).toBe("completed");
    return done;
  }

  it("reproduces a run exactly against its own version, calling no handler", async () => {
    await publish(loanFlow());
    const run = await reviewedRun();
    const calls = notifyCalls;
    expect(calls).toBe(2);
    const report = await strata.replays.replay("loan", { runId: run.id, version: 1 });
    expect(notifyCalls).toBe(calls);
    expect(report.replay.trace).toEqual(run.trace);
    expect(report).toMatchObject({
      target: { versionNumber: 1 },
      adapter: "none",
      replay: { status: "completed", output: run.output, unresolved: null },
      comparison: { changed: false, divergence: null, switches: [] },
    });
    expect(report.replay.effects.map((e) => e.source)).toEqual([
      "original",
      "original",
      "original",
    ]);
  });

  it("shows what a changed version would decide: divergence, switch, output", async () => {
    await publish(loanFlow());
    const reviewed = await reviewedRun(application(15_000, "US"));
    await publish(loanFlow(20_000));
    const report = await strata.replays.replay("loan", { runId: reviewed.id });
    expect(report.target).toEqual({ selector: "live", versionNumber: 2 });
    expect(report.comparison).toMatchObject({
      changed: true,
      divergence: { step: 3, original: "review", replay: "reject" },
      switches: [{ node: "route", original: { branch: "review" }, replay: { branch: "reject" } }],
      outputChanges: [{ field: "decision", before: "approve", after: "reject" }],
    });
    // The draft can be the target too, before it is ever published.
    await strata.drafts.open("loan");
    const draft = await strata.drafts.show("loan");
    await strata.drafts.save("loan", { definition: loanFlow(100_000), revision: draft.revision });
    const throughDraft = await strata.replays.replay("loan", {
      runId: reviewed.id,
      version: "draft",
    });
    expect(throughDraft.target).toEqual({ selector: "draft", versionNumber: null });
    expect(throughDraft.comparison.changed).toBe(true);
  });

  it("refuses an input that no longer fits, listing every error, until an adapter makes it fit", async () => {
    await publish(loanFlow());
    const run = await strata.runs.start("loan", { input: application(500, "DE") });
    const stricter = loanFlow(10_000, {
      inputSchema: {
        ...loan.inputSchema,
        required: ["amount", "applicant", "currency"],
        properties: {
          ...(loan.inputSchema.properties as Json),
          currency: { type: "string", enum: ["EUR"] },
        },
      },
    });
    await publish(stricter, { force: true });
    const drift = await strata.replays.replay("loan", { runId: run.id }).catch((e: unknown) => e);
    expect(drift).toMatchObject({ code: "input_schema_drift", status: 422 });
    expect(
      (drift as { details: { errors: Array<{ path: string; keyword: string }> } }).details.errors,
    ).toEqual([expect.objectContaining({ path: "/", keyword: "required" })]);
    const given = await strata.replays.replay("loan", {
      runId: run.id,
      adapter: '$merge([$, {"currency": "EUR"}])',
    });
    expect(given).toMatchObject({
      adapter: "given",
      input: { currency: "EUR" },
      comparison: { changed: false },
    });
    await expect(
      strata.replays.replay("loan", { runId: run.id, adapter: '$merge([$, {"currency": "USD"}])' }),
    ).rejects.toMatchObject({ code: "input_schema_drift" });
    await expect(
      strata.replays.replay("loan", { runId: run.id, adapter: "$$$(" }),
    ).rejects.toMatchObject({
      code: "validation_failed",
    });
    await strata.replays.registerAdapter("loan", {
      from: 1,
      to: 2,
      expression: '$merge([$, {"currency": "EUR"}])',
    });
    const registered = await strata.replays.replay("loan", { runId: run.id });
    expect(registered.adapter).toBe("registered");
    expect(await strata.replays.listAdapters("loan")).toMatchObject([{ from: 1, to: 2 }]);
  });

  it("keeps the workflow's compatibility mode at publish, unless forced", async () => {
    await publish(loanFlow());
    const withRequired = loanFlow(10_000, {
      inputSchema: {
        ...loan.inputSchema,
        required: ["amount", "applicant", "channel"],
        properties: { ...(loan.inputSchema.properties as Json), channel: { type: "string" } },
      },
    });
    const refused = await publish(withRequired).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "schema_incompatible", status: 422 });
    expect((refused as Error).message).toMatch(
      /not backward compatible with version 1: required field \/channel added/,
    );
    expect((await strata.workflows.show("loan")).liveVersion).toBe(1);
    // Forward mode allows adding a required field (old versions ignore it).
    const workflow = await strata.workflows.setPolicy("loan", { compatibility: "forward" });
    expect(workflow.policy).toEqual({
      compatibility: "forward",
      review: { required: false, approvals: 1 },
    });
    await strata.drafts.publish("loan");
    expect((await strata.workflows.show("loan")).liveVersion).toBe(2);
    // Full mode refuses removing it again; force publishes and the audit log says so.
    await strata.workflows.setPolicy("loan", { compatibility: "full" });
    await expect(publish(loanFlow())).rejects.toMatchObject({ code: "schema_incompatible" });
    await strata.drafts.publish("loan", { force: true });
    const events = (await strata.audit.list({ limit: 100 })).items;
    const forced = events.filter((e) => e.action === "version.published").at(-1);
    expect(forced?.after).toMatchObject({ number: 3, forcedSchemaChanges: [{ path: "/channel" }] });
    expect(events.filter((e) => e.action === "workflow.policy_changed")).toHaveLength(2);
  });

  it("finds nothing changed in a run still waiting, replayed against its own version", async () => {
    await publish(loanFlow());
    const waiting = await strata.runs.start("loan", { input: application(15_000, "DE") });
    expect(waiting.status).toBe("waiting");
    const report = await strata.replays.replay("loan", { runId: waiting.id, version: 1 });
    expect(report.replay).toMatchObject({ status: "unresolved", unresolved: { node: "review" } });
    expect(report.comparison).toMatchObject({ changed: false, statusChange: null });
  });

  it("says what an adapter's error is, and refuses adapters for versions that do not exist", async () => {
    await publish(loanFlow());
    const run = await strata.runs.start("loan", { input: application(500, "DE") });
    await expect(
      strata.replays.replay("loan", { runId: run.id, adapter: '$error("no currency known")' }),
    ).rejects.toThrow(/the input adapter failed: no currency known/);
    await expect(
      strata.replays.registerAdapter("loan", { from: 1, to: 9, expression: "$" }),
    ).rejects.toMatchObject({ code: "not_found" });
  });

  it("diffs two versions, the draft and the live one", async () => {
    await publish(loanFlow());
    await publish(loanFlow(20_000));
    const diff = await strata.versions.diff("loan", 1, 2);
    expect(diff).toMatchObject({
      from: { label: "v1", number: 1 },
      to: { label: "v2", number: 2 },
      identical: false,
      nodes: {
        added: [],
        removed: [],
        changed: [{ id: "route", fields: [{ field: "cases[0].when" }] }],
      },
      compatibility: { mode: "backward", breaking: [] },
    });
    expect((await strata.versions.diff("loan", "live", 2)).identical).toBe(true);
    await expect(strata.versions.diff("loan", "draft", 2)).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(strata.versions.diff("loan", 9, 2)).rejects.toMatchObject({ code: "not_found" });
  });
});
