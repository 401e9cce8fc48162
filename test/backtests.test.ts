/**
 * Backtests (DESIGN.md §5) on both stores: a stored job replays the workflow's past production
 * runs against a target on worker threads, reports what would change (per node and branch,
 * how outputs move, schema drift), is reproducible, shows progress, and can be cancelled.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseDefinitionText } from "../src/core/definition/parse-definition.js";
import { Strata } from "../src/index.js";
import type { Store } from "../src/store/store.js";
import { ManualClock } from "./support/manual-clock.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

type Json = Record<string, unknown>;
const loan = parseDefinitionText(
  readFileSync(new URL("../examples/loan.yaml", import.meta.url), "utf8"),
) as Json & { nodes: Json; inputSchema: Json };

/** The loan flow deciding everything at once: large low scores are rejected, not reviewed. */
function decisions(limit: number, country = "'DE','FR','NL'"): Json {
  return {
    ...loan,
    nodes: {
      score: loan.nodes.score,
      route: {
        type: "switch",
        cases: [
          { when: `amount > ${limit} and score < 50`, next: "reject" },
          { when: `applicant.country in [${country}]`, next: "approve" },
        ],
        default: "reject",
      },
      approve: loan.nodes.approve,
      reject: loan.nodes.reject,
    },
  };
}

const input = (i: number) => ({
  amount: 1000 + ((i * 37) % 20_000),
  applicant: {
    id: `a-${i}`,
    income: 20_000 + ((i * 7919) % 80) * 1000,
    age: 20 + (i % 40),
    country: ["DE", "US", "FR"][i % 3] ?? "DE",
  },
});

describe.each(DIALECTS)("backtests on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  let clock: ManualClock;
  let strata: Strata;
  const RUNS = 600;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
  });
  afterAll(() => close());
  beforeEach(async () => {
    clock = new ManualClock();
    strata = Strata.fromStore(store, { tenant: uniqueTenant(), actor: "ann", clock });
    await strata.workflows.create({ key: "loan", definition: decisions(10_000) });
    await strata.drafts.publish("loan");
    for (let i = 0; i < RUNS; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) => strata.runs.start("loan", { input: input(i + j) })),
      );
      clock.advance(60_000);
    }
    await strata.drafts.open("loan");
    const draft = await strata.drafts.show("loan");
    await strata.drafts.save("loan", { definition: decisions(5_000), revision: draft.revision });
    clock.advance(60_000);
  });

  it("replays every run against the draft and reports what would change, reproducibly", async () => {
    const job = await strata.backtests.create("loan", { target: "draft", limit: 100_000 });
    expect(job).toMatchObject({ status: "queued", target: "draft", total: null });
    const progress: number[] = [];
    const done = await strata.backtests.run(job.id, {
      threads: 2,
      onProgress: (n) => progress.push(n),
    });
    expect(done).toMatchObject({ status: "completed", total: RUNS, done: RUNS });
    expect(progress.at(-1)).toBe(RUNS);
    const report = done.report;
    expect(report).not.toBeNull();
    if (report === null) return;
    expect(report.total).toBe(RUNS);
    expect(report.changed + report.unchanged).toBe(RUNS);
    expect(report.changed).toBeGreaterThan(0);
    expect(report.schemaDrift + report.unresolved).toBe(0);
    // Lowering the threshold only moves approvals to rejections, at the route switch.
    expect(report.switchChanges).toEqual([
      { node: "route", from: "approve", to: "reject", count: report.changed },
    ]);
    expect(report.outputMoves).toEqual([
      { field: "decision", before: "approve", after: "reject", count: report.changed },
    ]);
    expect(report.divergenceByNode).toEqual({ approve: report.changed });
    // Each changed run is what a single replay says.
    const sample = report.changedSamples[0] ?? "";
    const one = await strata.replays.replay("loan", { runId: sample, version: "draft" });
    expect(one.comparison.changed).toBe(true);

    // The same job again (the draft may change meanwhile: the target was copied) is identical.
    const draft = await strata.drafts.show("loan");
    await strata.drafts.save("loan", { definition: decisions(1), revision: draft.revision });
    const again = await strata.backtests.create("loan", { target: "draft", limit: 100_000 });
    const rerun = await strata.backtests.run(job.id);
    expect(rerun.status).toBe("completed");
    expect((await strata.backtests.show(job.id)).report).toEqual(report);
    const differentTarget = await strata.backtests.run(again.id, { threads: 1 });
    expect(differentTarget.report?.changed).toBeGreaterThan(report.changed);
  });

  /** Saves the draft with an input schema that also requires `currency`: old runs drift. */
  async function requireCurrencyInDraft(): Promise<void> {
    const strictSchema = {
      ...loan.inputSchema,
      required: ["amount", "applicant", "currency"],
      properties: { ...(loan.inputSchema.properties as Json), currency: { type: "string" } },
    };
    const draft = await strata.drafts.show("loan");
    await strata.drafts.save("loan", {
      definition: { ...decisions(10_000), inputSchema: strictSchema },
      revision: draft.revision,
    });
  }

  it("filters by version, time and limit, and counts schema drift", async () => {
    await requireCurrencyInDraft();
    const drift = await strata.backtests.run(
      (await strata.backtests.create("loan", { limit: 50, version: 1 })).id,
    );
    expect(drift.report).toMatchObject({ total: 50, schemaDrift: 50, changed: 0 });
    expect(drift.report?.schemaDriftSamples[0]).toMatchObject({ path: "/" });
    const adapted = await strata.backtests.run(
      (
        await strata.backtests.create("loan", {
          limit: 50,
          adapter: '$merge([$, {"currency": "EUR"}])',
        })
      ).id,
    );
    expect(adapted.report).toMatchObject({ total: 50, schemaDrift: 0, unchanged: 50 });
    const recent = await strata.backtests.run(
      (await strata.backtests.create("loan", { since: "3m" })).id,
    );
    // Runs were started a minute apart in six groups of 100; the last 3 minutes hold two.
    expect(recent.total).toBe(200);
    await expect(strata.backtests.create("loan", { since: "yesterday" })).rejects.toMatchObject({
      code: "validation_failed",
    });
    await expect(strata.backtests.create("loan", { limit: 0 })).rejects.toMatchObject({
      code: "validation_failed",
    });
  });

  it("uses the adapter registered from a run's version to the target, as replay does", async () => {
    await requireCurrencyInDraft();
    await strata.drafts.publish("loan", { force: true });
    const before = await strata.backtests.run(
      (await strata.backtests.create("loan", { target: 2, version: 1, limit: 30 })).id,
    );
    expect(before.report).toMatchObject({ total: 30, schemaDrift: 30 });
    await strata.replays.registerAdapter("loan", {
      from: 1,
      to: 2,
      expression: '$merge([$, {"currency": "EUR"}])',
    });
    const runs = (await strata.runs.list({ workflow: "loan", version: 1, limit: 1 })).items;
    expect(
      (await strata.replays.replay("loan", { runId: runs[0]?.id ?? "", version: 2 })).adapter,
    ).toBe("registered");
    // Issue 18: the backtest ignored it and reported drift for every run the replay adapts.
    const after = await strata.backtests.run(
      (await strata.backtests.create("loan", { target: 2, version: 1, limit: 30 })).id,
    );
    expect(after.report).toMatchObject({ total: 30, schemaDrift: 0, unchanged: 30 });
    // An adapter given with the job still wins over the registered one.
    const given = await strata.backtests.run(
      (
        await strata.backtests.create("loan", {
          target: 2,
          version: 1,
          limit: 30,
          adapter: '$merge([$, {"currency": 1}])',
        })
      ).id,
    );
    expect(given.report).toMatchObject({ total: 30, schemaDrift: 30 });
  });

  it("cancels a queued job at once and a running one within a batch", async () => {
    const queued = await strata.backtests.create("loan", {});
    expect((await strata.backtests.cancel(queued.id)).status).toBe("cancelled");
    expect((await strata.backtests.run(queued.id)).status).toBe("cancelled");

    const job = await strata.backtests.create("loan", { limit: 100_000 });
    let cancelled = false;
    const done = await strata.backtests.run(job.id, {
      threads: 1,
      batchSize: 50,
      onProgress: () => {
        if (!cancelled) {
          cancelled = true;
          void strata.backtests.cancel(job.id);
        }
      },
    });
    expect(done.status).toBe("cancelled");
    expect(done.report?.total ?? 0).toBeLessThan(RUNS);
    const listed = await strata.backtests.list({ workflow: "loan" });
    expect(listed.items.map((b) => b.status)).toEqual(["cancelled", "cancelled"]);
  });

  it("runs queued jobs from the worker loop's automation", async () => {
    const job = await strata.backtests.create("loan", { target: 1 });
    await strata.runAutomation();
    for (let i = 0; i < 200; i++) {
      const current = await strata.backtests.show(job.id);
      if (current.status === "completed") break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await strata.backtests.show(job.id)).toMatchObject({
      status: "completed",
      report: { total: RUNS, changed: 0, unchanged: RUNS },
    });
  });
});
