/**
 * Moving waiting runs between versions (DESIGN.md §5) on both stores: the dry run reports per
 * run whether it can move and why not; the real run moves exactly the runs waiting at mapped
 * nodes, atomically, records the move on the run and in the audit log, and the moved runs
 * carry on under the new version; nothing else is touched.
 */
import { renderRun } from "../src/cli/render-run.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Strata } from "../src/index.js";
import type { Store } from "../src/store/store.js";
import { ManualClock } from "./support/manual-clock.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

/** v1: wait for `review` (or `hold`, by input), then end saying which version decided. */
function flow(tag: string, review = "review", reviewSignal = "review"): unknown {
  return {
    start: "pick",
    nodes: {
      pick: { type: "switch", cases: [{ when: "hold = true", next: "hold" }], default: review },
      [review]: {
        type: "wait",
        signal: reviewSignal,
        timeout: "PT1H",
        onTimeout: "late",
        next: "done",
      },
      hold: { type: "wait", signal: "release", next: "done" },
      done: { type: "end", output: { by: `'${tag}'` } },
      late: { type: "end", output: { by: `'${tag}-late'` } },
    },
  };
}

describe.each(DIALECTS)("migrating waiting runs on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  let clock: ManualClock;
  let strata: Strata;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
  });
  afterAll(() => close());
  beforeEach(async () => {
    clock = new ManualClock();
    strata = Strata.fromStore(store, { tenant: uniqueTenant(), actor: "ann", clock });
    await strata.workflows.create({ key: "appr", definition: flow("v1") });
    await strata.drafts.publish("appr");
  });

  async function publishV2(): Promise<void> {
    await strata.drafts.open("appr");
    const draft = await strata.drafts.show("appr");
    await strata.drafts.save("appr", {
      definition: flow("v2", "review2", "approve"),
      revision: draft.revision,
    });
    await strata.drafts.publish("appr");
  }

  it("dry-runs, then moves only the runs at mapped wait nodes, recording each move", async () => {
    const atReview = await strata.runs.start("appr", { input: { hold: false } });
    const atHold = await strata.runs.start("appr", { input: { hold: true } });
    const finished = await strata.runs.start("appr", { input: { hold: false } });
    await strata.runs.signal(finished.id, "review", {});
    clock.advance(20 * 60_000);
    await publishV2();

    const dry = await strata.migrations.migrate("appr", {
      from: 1,
      to: 2,
      map: { review: "review2" },
      dryRun: true,
    });
    expect(dry).toMatchObject({ dryRun: true, moved: 1, skipped: 1 });
    expect(dry.runs).toEqual([
      { runId: atReview.id, node: "review", toNode: "review2", moves: true, reason: null },
      {
        runId: atHold.id,
        node: "hold",
        toNode: null,
        moves: false,
        reason: "it waits at hold, which the plan does not map (v1)",
      },
    ]);
    expect((await strata.runs.show(atReview.id)).versionNumber).toBe(1); // a dry run

    const real = await strata.migrations.migrate("appr", {
      from: 1,
      to: 2,
      map: { review: "review2" },
    });
    expect(real).toMatchObject({ dryRun: false, moved: 1, skipped: 1 });
    const moved = await strata.runs.show(atReview.id);
    // `strata run show` says so too (issue 18: it left the migrations out).
    expect(renderRun(moved)).toMatch(/^migrations: +1$/m);
    expect(renderRun(moved, { trace: true })).toMatch(/^ +v1 review → v2 review2 at \S+ by ann$/m);
    expect(moved).toMatchObject({
      versionNumber: 2,
      status: "waiting",
      // The new node's signal; the old deadline stays (time already waited counts).
      waitingFor: { signal: "approve", deadline: "2026-01-01T01:00:00.000Z" },
      migrations: [
        { fromVersion: 1, toVersion: 2, fromNode: "review", toNode: "review2", by: "ann" },
      ],
    });
    expect((await strata.runs.show(atHold.id)).versionNumber).toBe(1);
    expect((await strata.runs.show(finished.id)).migrations).toEqual([]);
    // The moved run carries on under v2: its signal now, v2's end node.
    await expect(strata.runs.signal(atReview.id, "review", {})).rejects.toMatchObject({
      code: "run_not_waiting",
    });
    expect(await strata.runs.signal(atReview.id, "approve", {})).toMatchObject({
      status: "completed",
      output: { by: "v2" },
      versionNumber: 2,
    });
    const events = (await strata.audit.list({ limit: 100 })).items.filter(
      (e) => e.action === "run.migrated",
    );
    expect(events).toMatchObject([
      {
        subjectId: atReview.id,
        before: { version: 1, node: "review" },
        after: { version: 2, node: "review2" },
      },
    ]);
    // A second migration finds nothing left to move at `review`.
    const again = await strata.migrations.migrate("appr", {
      from: 1,
      to: 2,
      map: { review: "review2" },
    });
    expect(again.moved).toBe(0);
  });

  it("fires the moved run's timer at its original deadline", async () => {
    const run = await strata.runs.start("appr", { input: { hold: false } });
    await publishV2();
    await strata.migrations.migrate("appr", { from: 1, to: 2, map: { review: "review2" } });
    clock.advance(3_600_000);
    while ((await strata.runDueWork()) > 0);
    expect(await strata.runs.show(run.id)).toMatchObject({
      status: "completed",
      output: { by: "v2-late" },
    });
  });

  it("refuses a plan that does not fit the two versions", async () => {
    await publishV2();
    const maps: Array<Record<string, string>> = [
      {},
      { done: "review2" },
      { review: "nowhere" },
      { review: "done" },
    ];
    for (const map of maps) {
      await expect(
        strata.migrations.migrate("appr", { from: 1, to: 2, map }),
      ).rejects.toMatchObject({
        code: "validation_failed",
      });
    }
    await expect(
      strata.migrations.migrate("appr", { from: 1, to: 9, map: { review: "review2" } }),
    ).rejects.toMatchObject({ code: "not_found" });
  });
});
