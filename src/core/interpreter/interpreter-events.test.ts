import { describe, expect, it } from "vitest";
import { advance, isWaitingFor, isWaitingForTimer } from "./interpreter.js";
import type { RunEvent } from "./run-event.js";
import { RUN, compile, drive, envAt, path } from "./test-support/run-fixture.js";

const SECOND = 1000;
const failed = (message: string, extra: object = {}): RunEvent => ({
  type: "task_failed",
  error: { message, ...extra },
});
const succeeded = (result: unknown): RunEvent => ({ type: "task_succeeded", result });

/** A task with three attempts, changed by `task`; `broken` is there when `onError` names it. */
function taskDefinition(task: Record<string, unknown> = {}) {
  const call = {
    type: "task",
    handler: "http",
    input: { url: "'https://x.test/' & id", body: "$" },
    retry: { maxAttempts: 3 },
    timeout: "PT30S",
    next: "done",
    ...task,
  };
  const broken = { type: "fail", code: "call_failed", message: "'gave up: ' & $error.message" };
  return compile({
    start: "call",
    nodes: { call, done: { type: "end" }, ...("onError" in task ? { broken } : {}) },
  });
}

describe("task nodes", () => {
  it("leave a pending task with the evaluated input", async () => {
    const { final, trace } = await drive(taskDefinition(), { id: "7" });
    expect(final).toMatchObject({ status: "running", node: "call", steps: 1 });
    expect(final.pending).toEqual({
      type: "task",
      node: "call",
      handler: "http",
      input: { url: "https://x.test/7", body: { id: "7" } },
      attempt: 1,
      idempotencyKey: `${RUN.id}:call`,
      timeoutMs: 30 * SECOND,
    });
    expect(trace[0]).toMatchObject({
      input: final.pending?.type === "task" && final.pending.input,
    });
  });

  it("take a single expression as the input, or the whole state without one", async () => {
    const single = await drive(taskDefinition({ input: "id" }), { id: "7" });
    expect(single.final.pending).toMatchObject({ input: "7" });
    const whole = await drive(taskDefinition({ input: undefined }), { id: "7" });
    expect(whole.final.pending).toMatchObject({ input: { id: "7" } });
  });

  it("store the result under the node's id without assign, and move on", async () => {
    const { final, trace } = await drive(taskDefinition(), { id: "7" }, [
      { event: succeeded({ status: 200 }), atMs: 5 * SECOND },
    ]);
    expect(final).toMatchObject({ status: "completed", state: { id: "7", call: { status: 200 } } });
    expect(trace[1]).toMatchObject({
      seq: 2,
      node: "call",
      type: "task",
      event: "task_succeeded",
      at: envAt(5 * SECOND).now.toISOString(),
      attempt: 1,
      result: { status: 200 },
      branch: "done",
    });
  });

  it("assign from $result", async () => {
    const compiled = taskDefinition({ assign: { status: "$result.status", id: "$result.id" } });
    const { final } = await drive(compiled, { id: "7" }, [{ event: succeeded({ status: 201 }) }]);
    expect(final.state).toEqual({ status: 201 }); // id gave nothing, so it was removed
  });

  it("retry with backoff, keeping input and idempotency key, then fail the run", async () => {
    const { snapshots, final, trace } = await drive(taskDefinition(), { id: "7" }, [
      { event: failed("timeout", { code: "ETIMEDOUT" }), atMs: 10 * SECOND },
      { event: failed("timeout"), atMs: 20 * SECOND },
      { event: failed("still down"), atMs: 30 * SECOND },
    ]);
    const first = snapshots[1]?.pending;
    expect(snapshots[2]?.pending).toEqual({
      ...first,
      attempt: 2,
      notBefore: envAt(11 * SECOND).now.toISOString(),
    });
    expect(snapshots[3]?.pending).toMatchObject({
      attempt: 3,
      notBefore: envAt(22 * SECOND).now.toISOString(),
    });
    expect(trace[1]).toMatchObject({
      event: "task_failed",
      attempt: 1,
      error: { message: "timeout", code: "ETIMEDOUT" },
      retryAt: envAt(11 * SECOND).now.toISOString(),
    });
    expect(final).toMatchObject({ status: "failed", pending: null, steps: 4 });
    expect(final.error).toEqual({
      code: "task_failed",
      message: "task 'call' (handler 'http') failed after 3 attempt(s): still down",
      node: "call",
      details: { node: "call", message: "still down", attempts: 3 },
    });
    expect(trace[3]).toMatchObject({ attempt: 3, failure: final.error });
  });

  it("try once without a retry block", async () => {
    const { final } = await drive(taskDefinition({ retry: undefined }), {}, [
      { event: failed("no") },
    ]);
    expect(final.error).toMatchObject({ code: "task_failed", details: { attempts: 1 } });
  });

  it("stop retrying an error that is not retryable", async () => {
    const event: RunEvent = { type: "task_failed", error: { message: "bad" }, retryable: false };
    const { final } = await drive(taskDefinition(), {}, [{ event }]);
    expect(final.error).toMatchObject({ code: "task_failed", details: { attempts: 1 } });
  });

  it("take onError when every attempt failed, binding $error", async () => {
    const compiled = taskDefinition({ onError: "broken", retry: { maxAttempts: 2 } });
    const { final, trace } = await drive(compiled, {}, [
      { event: failed("a") },
      { event: failed("b", { code: "E503" }) },
    ]);
    expect(path(trace)).toEqual(["call:start", "call:task_failed", "call:task_failed", "broken"]);
    expect(trace[2]).toMatchObject({ branch: "broken", error: { message: "b", code: "E503" } });
    expect(final.lastError).toEqual({ node: "call", message: "b", code: "E503", attempts: 2 });
    expect(final.error).toEqual({ code: "call_failed", message: "gave up: b", node: "broken" });
  });

  it("fail the run when assign throws on the result", async () => {
    const compiled = taskDefinition({ assign: { x: "$result.f()" } });
    const { final, trace } = await drive(compiled, {}, [{ event: succeeded({ f: 1 }) }]);
    expect(final.error).toMatchObject({ code: "expression_failed", node: "call" });
    expect(trace[1]).toMatchObject({ node: "call", event: "task_succeeded", failure: final.error });
  });

  it("refuse a task event while the run waits", async () => {
    const waiting = await drive(waitDefinition(), {});
    await expect(
      advance(waitDefinition(), waiting.final, succeeded(1), envAt()),
    ).rejects.toMatchObject({ code: "run_event_unexpected" });
  });
});

describe("loops", () => {
  it("number the idempotency key by visit after the first", async () => {
    const compiled = compile({
      start: "call",
      nodes: {
        call: { type: "task", handler: "http", next: "count" },
        count: { type: "set", assign: { n: "$exists(n) ? n + 1 : 1" }, next: "again" },
        again: { type: "switch", cases: [{ when: "n < 3", next: "call" }], default: "done" },
        done: { type: "end", output: "n" },
      },
    });
    const { snapshots, final } = await drive(compiled, {}, [
      { event: succeeded(1) },
      { event: succeeded(2) },
      { event: succeeded(3) },
    ]);
    const keys = snapshots.slice(1, 4).map((snapshot) => {
      return snapshot.pending?.type === "task" ? snapshot.pending.idempotencyKey : undefined;
    });
    expect(keys).toEqual([`${RUN.id}:call`, `${RUN.id}:call:2`, `${RUN.id}:call:3`]);
    expect(final).toMatchObject({ status: "completed", output: 3 });
    expect(final.visits).toEqual({ call: 3, count: 3, again: 3, done: 1 });
  });
});

/** A wait for `approve` or an hour, changed by `wait`; `late` is there while `onTimeout` is. */
function waitDefinition(wait: Record<string, unknown> = {}) {
  const hold = {
    type: "wait",
    signal: "approve",
    timeout: "PT1H",
    onTimeout: "late",
    assign: { by: "$signal.by", at: "$now()" },
    next: "done",
    ...wait,
  };
  const late = { type: "end", output: "'late'" };
  return compile({
    start: "hold",
    nodes: { hold, done: { type: "end" }, ...(hold.onTimeout === undefined ? {} : { late }) },
  });
}

describe("wait nodes", () => {
  it("wait for the signal and the timer", async () => {
    const { final, trace } = await drive(waitDefinition(), {});
    const deadline = envAt(3600 * SECOND).now.toISOString();
    expect(final).toMatchObject({ status: "waiting", node: "hold" });
    expect(final.pending).toEqual({ type: "wait", node: "hold", signal: "approve", deadline });
    expect(trace[0]).toMatchObject({ node: "hold", type: "wait", deadline });
    expect(isWaitingFor(final, "approve")).toBe(true);
    expect(isWaitingFor(final, "other")).toBe(false);
    expect(isWaitingForTimer(final)).toBe(true);
  });

  it("assign from $signal on the signal and move on", async () => {
    const event: RunEvent = { type: "signal", name: "approve", payload: { by: "ana" } };
    const { final, trace } = await drive(waitDefinition(), {}, [{ event, atMs: 60 * SECOND }]);
    expect(final).toMatchObject({ status: "completed", pending: null });
    const at = envAt(60 * SECOND).now.toISOString();
    expect(final.state).toEqual({ by: "ana", at });
    expect(trace[1]).toMatchObject({
      event: "signal",
      signal: { name: "approve", payload: { by: "ana" } },
      assigned: { by: "ana", at },
      branch: "done",
    });
  });

  it("store the payload under the node's id without assign", async () => {
    const event: RunEvent = { type: "signal", name: "approve", payload: [1] };
    const { final } = await drive(waitDefinition({ assign: undefined }), {}, [{ event }]);
    expect(final.state).toEqual({ hold: [1] });
  });

  it("refuse a signal with another name, saying what the run waits for", async () => {
    const { final } = await drive(waitDefinition(), {});
    const event: RunEvent = { type: "signal", name: "other", payload: null };
    await expect(advance(waitDefinition(), final, event, envAt())).rejects.toMatchObject({
      code: "run_not_waiting",
      message: expect.stringContaining("waiting at 'hold' for signal 'approve'") as unknown,
    });
  });

  it("take onTimeout when the timer fires", async () => {
    const { final, trace } = await drive(waitDefinition(), {}, [{ event: { type: "timer" } }]);
    expect(final).toMatchObject({ status: "completed", node: "late", output: "late" });
    expect(trace[1]).toMatchObject({ node: "hold", event: "timer", branch: "late" });
  });

  it("take next when the timer fires without onTimeout (a sleep)", async () => {
    const sleep = waitDefinition({ signal: undefined, onTimeout: undefined, assign: undefined });
    const { final, trace } = await drive(sleep, {}, [{ event: { type: "timer" } }]);
    expect(path(trace)).toEqual(["hold:start", "hold:timer", "done"]);
    expect(final.status).toBe("completed");
    expect(isWaitingFor(await drive(sleep, {}).then((run) => run.final), "approve")).toBe(false);
  });

  it("refuse a timer when the wait has none", async () => {
    const untimed = waitDefinition({ timeout: undefined, onTimeout: undefined });
    const { final } = await drive(untimed, {});
    expect(final.pending).toEqual({ type: "wait", node: "hold", signal: "approve" });
    expect(isWaitingForTimer(final)).toBe(false);
    await expect(advance(untimed, final, { type: "timer" }, envAt())).rejects.toMatchObject({
      code: "run_not_waiting",
    });
  });
});
