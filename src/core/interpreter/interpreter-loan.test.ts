/**
 * The loan example of `examples/loan.yaml`, end to end: every path through it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { CompiledDefinition } from "./compile-definition.js";
import { compileDefinition } from "./compile-definition.js";
import { isWaitingFor } from "./interpreter.js";
import { RUN, drive, envAt, loadLoanDefinition, path } from "./test-support/run-fixture.js";

const HOUR = 3_600_000;

function application(amount: number, income: number, age: number, country: string) {
  return { amount, applicant: { id: "app-1", income, age, country } };
}

let loan: CompiledDefinition;
beforeAll(async () => {
  loan = compileDefinition(await loadLoanDefinition());
});

describe("the loan example", () => {
  it("approves a small loan from a listed country", async () => {
    const { final, trace } = await drive(loan, application(5000, 80_000, 30, "DE"));
    expect(path(trace)).toEqual(["score:start", "route", "approve"]);
    expect(trace[1]).toMatchObject({ caseIndex: 1, branch: "approve" });
    expect(final).toMatchObject({ status: "completed", steps: 3, randomCounter: 0 });
    expect(final.output).toEqual({ decision: "approve", score: 50 });
  });

  it("rejects a loan from another country", async () => {
    const { final, trace } = await drive(loan, application(5000, 80_000, 30, "US"));
    expect(path(trace)).toEqual(["score:start", "route", "reject"]);
    expect(trace[1]).toMatchObject({ caseIndex: -1, branch: "reject" });
    expect(final.output).toEqual({ decision: "reject", score: 50 });
  });

  it("reviews a large, low-scoring loan, notifies, and approves", async () => {
    const input = application(20_000, 40_000, 35, "US");
    const { snapshots, final, trace } = await drive(loan, input, [
      { event: { type: "signal", name: "review", payload: { by: "ana" } }, atMs: HOUR },
      { event: { type: "task_failed", error: { message: "502" } }, atMs: HOUR + 500 },
      { event: { type: "task_succeeded", result: { status: 204 } }, atMs: HOUR + 2000 },
    ]);
    const waiting = snapshots[1];
    expect(waiting).toMatchObject({ status: "waiting", node: "review" });
    expect(waiting?.pending).toEqual({
      type: "wait",
      node: "review",
      signal: "review",
      deadline: envAt(72 * HOUR).now.toISOString(),
    });
    expect(waiting && isWaitingFor(waiting, "review")).toBe(true);

    const state = { ...input, score: 5, reviewer: "ana" };
    expect(snapshots[2]?.pending).toEqual({
      type: "task",
      node: "notify",
      handler: "http",
      input: { url: "https://notify.example.com/loans", body: state },
      attempt: 1,
      idempotencyKey: `${RUN.id}:notify`,
    });
    expect(snapshots[3]?.pending).toMatchObject({
      attempt: 2,
      notBefore: envAt(HOUR + 1500).now.toISOString(),
    });
    expect(path(trace)).toEqual([
      "score:start",
      "route",
      "review",
      "review:signal",
      "notify",
      "notify:task_failed",
      "notify:task_succeeded",
      "approve",
    ]);
    expect(trace.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(final).toMatchObject({ status: "completed", steps: 8, node: "approve" });
    expect(final.state).toEqual({ ...state, notify: { status: 204 } });
    expect(final.output).toEqual({ decision: "approve", score: 5 });
  });

  it("rejects a reviewed loan when no review comes in 72 hours", async () => {
    const input = application(20_000, 40_000, 35, "DE");
    const { final, trace } = await drive(loan, input, [
      { event: { type: "timer" }, atMs: 72 * HOUR },
    ]);
    expect(path(trace)).toEqual(["score:start", "route", "review", "review:timer", "reject"]);
    expect(trace[3]).toMatchObject({ branch: "reject", at: envAt(72 * HOUR).now.toISOString() });
    expect(final.output).toEqual({ decision: "reject", score: 5 });
  });
});
