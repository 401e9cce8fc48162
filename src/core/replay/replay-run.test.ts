/**
 * Replay through the interpreter: a run replayed against its own version reproduces its trace
 * exactly; against a changed version the comparison shows the divergence, the switches that
 * routed differently and the output's change; effects come from the original, then mocks,
 * else the node is unresolved.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Definition } from "../definition/definition.js";
import type { CompiledDefinition } from "../interpreter/compile-definition.js";
import { compileDefinition } from "../interpreter/compile-definition.js";
import { RUN, T0, drive, loadLoanDefinition } from "../interpreter/test-support/run-fixture.js";
import type { ScriptedEvent } from "../interpreter/test-support/run-fixture.js";
import { compareRuns, replayRun } from "./replay-run.js";
import type { RecordedRun } from "./replay-run.js";

const HOUR = 3_600_000;
let loan: Definition;
let compiled: CompiledDefinition;

beforeAll(async () => {
  loan = await loadLoanDefinition();
  compiled = compileDefinition(loan);
});

function application(amount: number, income: number, country: string) {
  return { amount, applicant: { id: "app-1", income, age: 35, country } };
}

/** Drives the loan flow through `script` and records the run as the store would have it. */
async function recorded(input: unknown, script: ScriptedEvent[] = []): Promise<RecordedRun> {
  const { final, trace } = await drive(compiled, input, script);
  return {
    id: RUN.id,
    kind: RUN.kind,
    input,
    status: final.status,
    output: final.status === "completed" ? (trace.at(-1)?.output ?? null) : null,
    trace,
    createdAt: T0,
  };
}

/** The loan flow with another review threshold. */
function withThreshold(limit: number): CompiledDefinition {
  const route = loan.nodes.route as { cases: Array<{ when: string; next: string }> };
  return compileDefinition({
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
  } as unknown as Definition);
}

const reviewed: ScriptedEvent[] = [
  { event: { type: "signal", name: "review", payload: { by: "ana" } }, atMs: HOUR },
  {
    event: { type: "task_failed", error: { message: "503", code: "http_503" } },
    atMs: HOUR + 1000,
  },
  { event: { type: "task_succeeded", result: { status: 200 } }, atMs: HOUR + 5000 },
];

describe("replayRun", () => {
  it("reproduces a run exactly against its own version: same trace, same output", async () => {
    const original = await recorded(application(20_000, 40_000, "US"), reviewed);
    expect(original.status).toBe("completed");
    const replay = await replayRun(
      original,
      { compiled, versionId: RUN.versionId, versionNumber: RUN.versionNumber },
      original.input,
    );
    expect(replay.trace).toEqual(original.trace);
    expect(replay).toMatchObject({
      status: "completed",
      output: original.output,
      unresolved: null,
    });
    expect(replay.effects).toEqual([
      { node: "review", kind: "wait", source: "original" },
      { node: "notify", kind: "task", source: "original" },
      { node: "notify", kind: "task", source: "original" },
    ]);
    const comparison = compareRuns(original, replay);
    expect(comparison).toMatchObject({
      changed: false,
      divergence: null,
      switches: [],
      outputChanges: [],
    });
  });

  it("shows where a changed version diverges, which switch routed differently, and the output's change", async () => {
    const original = await recorded(application(15_000, 40_000, "DE"), reviewed);
    expect(original.output).toEqual({ decision: "approve", score: 5 });
    const replay = await replayRun(
      original,
      { compiled: withThreshold(20_000), versionId: "v2", versionNumber: 4 },
      original.input,
    );
    const comparison = compareRuns(original, replay);
    expect(comparison.originalPath).toEqual(["score", "route", "review", "notify", "approve"]);
    expect(comparison.replayPath).toEqual(["score", "route", "approve"]);
    expect(comparison.divergence).toEqual({ step: 3, original: "review", replay: "approve" });
    expect(comparison.switches).toEqual([
      {
        node: "route",
        visit: 1,
        original: { caseIndex: 0, branch: "review" },
        replay: { caseIndex: 1, branch: "approve" },
      },
    ]);
    // Same decision, reached without a review: the output is the same, the path is not.
    expect(comparison.changed).toBe(false);
    expect(replay.effects).toEqual([]);
  });

  it("reports the output's change leaf by leaf", async () => {
    const original = await recorded(application(15_000, 40_000, "US"), reviewed);
    const replay = await replayRun(
      original,
      { compiled: withThreshold(20_000), versionId: "v2", versionNumber: 4 },
      original.input,
    );
    expect(compareRuns(original, replay)).toMatchObject({
      changed: true,
      outputChanges: [{ field: "decision", before: "approve", after: "reject" }],
    });
  });

  it("stops at a task the original never called with that input, unless a mock answers", async () => {
    const original = await recorded(application(20_000, 40_000, "US"), reviewed);
    const changedInput = application(20_000, 40_000, "FR");
    const replay = await replayRun(
      original,
      { compiled, versionId: "v1", versionNumber: 3 },
      changedInput,
    );
    expect(replay.status).toBe("unresolved");
    expect(replay.unresolved).toMatchObject({ node: "notify", kind: "task" });
    const mocked = await replayRun(
      original,
      { compiled, versionId: "v1", versionNumber: 3 },
      changedInput,
      {
        notify: { status: 202 },
      },
    );
    expect(mocked).toMatchObject({ status: "completed", output: { decision: "approve" } });
    expect(mocked.effects.map((e) => e.source)).toEqual(["original", "mock"]);
  });

  it("stops at a wait the original never reached", async () => {
    const original = await recorded(application(5000, 40_000, "DE"));
    expect(original.output).toMatchObject({ decision: "approve" });
    const replay = await replayRun(
      original,
      { compiled: withThreshold(1000), versionId: "v2", versionNumber: 4 },
      original.input,
    );
    expect(replay).toMatchObject({
      status: "unresolved",
      unresolved: { node: "review", kind: "wait" },
    });
    const mocked = await replayRun(
      original,
      { compiled: withThreshold(1000), versionId: "v2", versionNumber: 4 },
      original.input,
      {
        review: { by: "mock" },
        notify: { status: 200 },
      },
    );
    expect(mocked.status).toBe("completed");
  });

  it("replays a timeout as a timeout, and a permanent task failure as permanent", async () => {
    const timedOut = await recorded(application(20_000, 40_000, "US"), [
      { event: { type: "timer" }, atMs: 72 * HOUR },
    ]);
    expect(timedOut.output).toMatchObject({ decision: "reject" });
    const again = await replayRun(
      timedOut,
      { compiled, versionId: "v1", versionNumber: 3 },
      timedOut.input,
    );
    expect(again.trace).toEqual(timedOut.trace);

    const permanent = await recorded(application(20_000, 40_000, "US"), [
      reviewed[0] as ScriptedEvent,
      {
        event: { type: "task_failed", error: { message: "gone", code: "gone" }, retryable: false },
        atMs: HOUR + 1,
      },
    ]);
    expect(permanent.status).toBe("failed");
    const replayed = await replayRun(
      permanent,
      { compiled, versionId: "v1", versionNumber: 3 },
      permanent.input,
    );
    expect(replayed.trace).toEqual(permanent.trace);
    expect(replayed.status).toBe("failed");
  });
});
