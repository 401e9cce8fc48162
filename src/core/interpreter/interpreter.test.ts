import { describe, expect, it } from "vitest";
import { isStrataError } from "../errors.js";
import { advance, initialSnapshot } from "./interpreter.js";
import type { RunEvent } from "./run-event.js";
import { compile, drive, envAt, path } from "./test-support/run-fixture.js";

/** A run of pure nodes only: set, switch, end. */
const pure = compile({
  start: "prepare",
  nodes: {
    prepare: {
      type: "set",
      // Order-independent: both read the state before the node, so a and b swap.
      assign: { a: "b", b: "a", gone: "nothing", total: "a + b" },
      next: "route",
    },
    route: {
      type: "switch",
      cases: [
        { when: "tags", next: "tagged" },
        { when: "total > 10", next: "big" },
        { when: "total > 5", next: "unreachable" },
      ],
      default: "small",
    },
    tagged: { type: "end", output: "tags" },
    big: { type: "end", output: { total: "total", none: "nothing" } },
    unreachable: { type: "end" },
    small: { type: "end" },
  },
});

describe("initialSnapshot", () => {
  it("starts at start with a copy of an object input as the state", () => {
    const input = { a: 1, nested: { b: 2 } };
    const snapshot = initialSnapshot(pure, input);
    expect(snapshot).toEqual({
      status: "running",
      node: "prepare",
      state: input,
      input,
      steps: 0,
      randomCounter: 0,
      visits: {},
      pending: null,
    });
    expect(snapshot.state.nested).not.toBe(input.nested);
    expect(snapshot.state).not.toBe(snapshot.input);
  });

  it("keeps any other input as $input only, with an empty state", () => {
    for (const input of [[1, 2], 7, "text", null, undefined]) {
      const snapshot = initialSnapshot(pure, input);
      expect(snapshot.state).toEqual({});
      expect(snapshot.input).toEqual(input ?? null);
    }
  });
});

describe("pure nodes", () => {
  it("run one after another within one advance, recording each step", async () => {
    const { final, trace } = await drive(pure, { a: 4, b: 7, gone: true, tags: [] });
    expect(final).toMatchObject({ status: "completed", node: "big", steps: 3, pending: null });
    expect(final.output).toEqual({ total: 11 });
    expect(final.state).toEqual({ a: 7, b: 4, total: 11, tags: [] });
    expect(final.visits).toEqual({ prepare: 1, route: 1, big: 1 });
    const at = envAt().now.toISOString();
    expect(trace).toEqual([
      {
        seq: 1,
        node: "prepare",
        type: "set",
        at,
        event: "start",
        assigned: { a: 7, b: 4, gone: undefined, total: 11 },
        branch: "route",
      },
      { seq: 2, node: "route", type: "switch", at, caseIndex: 1, branch: "big" },
      { seq: 3, node: "big", type: "end", at, output: { total: 11 } },
    ]);
  });

  it("take the first case that holds, by JSONata truthiness", async () => {
    const { final, trace } = await drive(pure, { a: 20, b: 1, tags: [0, "x"] });
    expect(trace[1]).toMatchObject({ caseIndex: 0, branch: "tagged" });
    expect(final.output).toEqual([0, "x"]);
  });

  it("take default when no case holds, and output the whole state without output", async () => {
    const { final, trace } = await drive(pure, { a: 1, b: 1, tags: "" });
    expect(trace[1]).toMatchObject({ caseIndex: -1, branch: "small" });
    expect(final.output).toEqual({ a: 1, b: 1, total: 2, tags: "" });
  });
});

describe("fail nodes", () => {
  const failing = (node: Record<string, unknown>) =>
    compile({ start: "stop", nodes: { stop: { type: "fail", ...node } } });

  it("fail the run with code failed and a default message", async () => {
    const { final, trace } = await drive(failing({}), {});
    const failure = { code: "failed", message: "the workflow failed at stop", node: "stop" };
    expect(final).toMatchObject({ status: "failed", node: "stop", pending: null, error: failure });
    expect(trace).toEqual([expect.objectContaining({ node: "stop", type: "fail", failure })]);
  });

  it("use the node's code and evaluated message", async () => {
    const { final } = await drive(failing({ code: "too_big", message: "'amount ' & amount" }), {
      amount: 5,
    });
    expect(final.error).toEqual({ code: "too_big", message: "amount 5", node: "stop" });
  });

  it("write a message that is not text as JSON", async () => {
    const { final } = await drive(failing({ message: "{ 'why': 'x' }" }), {});
    expect(final.error?.message).toBe('{"why":"x"}');
  });
});

describe("expression failures", () => {
  it("fail the run with expression_failed at the node, not throw", async () => {
    const broken = compile({
      start: "prepare",
      nodes: {
        prepare: { type: "set", assign: { x: "$notAFunction()" }, next: "done" },
        done: { type: "end" },
      },
    });
    const { final, trace } = await drive(broken, { a: 1 });
    expect(final).toMatchObject({ status: "failed", node: "prepare", state: { a: 1 } });
    expect(final.error).toMatchObject({ code: "expression_failed", node: "prepare" });
    expect(final.error?.message).toMatch(/node 'prepare', field 'assign.x' failed: .*T1006/);
    expect(trace).toEqual([
      expect.objectContaining({ seq: 1, node: "prepare", event: "start", failure: final.error }),
    ]);
  });

  it("name the case of a switch condition that failed", async () => {
    const broken = compile({
      start: "route",
      nodes: {
        route: { type: "switch", cases: [{ when: "1 + 'a'", next: "done" }], default: "done" },
        done: { type: "end" },
      },
    });
    const { final } = await drive(broken, {});
    expect(final.error?.message).toMatch(/node 'route', field 'cases\[0\].when' failed/);
  });
});

describe("the step limit", () => {
  const looping = compile({
    start: "count",
    nodes: {
      count: { type: "set", assign: { i: "$exists(i) ? i + 1 : 1" }, next: "check" },
      check: { type: "switch", cases: [{ when: "i < 0", next: "done" }], default: "count" },
      done: { type: "end" },
    },
  });

  it("fails a runaway loop with step_limit_exceeded", async () => {
    const { final, trace } = await drive(looping, {}, [], { stepLimit: 10 });
    expect(final).toMatchObject({ status: "failed", steps: 11, state: { i: 5 } });
    expect(final.error).toMatchObject({ code: "step_limit_exceeded", details: { limit: 10 } });
    expect(final.error?.message).toContain("limit of 10 steps");
    expect(trace).toHaveLength(11);
    expect(trace[10]).toMatchObject({ seq: 11, node: "count", failure: final.error });
  });

  it("defaults to 1000 steps", async () => {
    const { final } = await drive(looping, {});
    expect(final.steps).toBe(1001);
    expect(final.error?.code).toBe("step_limit_exceeded");
  });
});

describe("advance", () => {
  it("never changes the snapshot it is given", async () => {
    const snapshot = deepFreeze(initialSnapshot(pure, { a: 4, b: 7, tags: [] }));
    const copy = structuredClone(snapshot);
    const { snapshot: next } = await advance(pure, snapshot, { type: "start" }, envAt());
    expect(snapshot).toEqual(copy);
    expect(next.status).toBe("completed");
  });

  it("refuses any event once the run finished", async () => {
    const { final } = await drive(pure, { a: 1, b: 1 });
    const events: RunEvent[] = [
      { type: "start" },
      { type: "task_succeeded", result: 1 },
      { type: "task_failed", error: { message: "x" } },
      { type: "signal", name: "go", payload: null },
      { type: "timer" },
    ];
    for (const event of events) {
      await expect(advance(pure, final, event, envAt())).rejects.toMatchObject({
        code: "run_finished",
        status: 409,
      });
    }
  });

  it("refuses to start a run twice", async () => {
    const waiting = compile({
      start: "hold",
      nodes: { hold: { type: "wait", signal: "go", next: "done" }, done: { type: "end" } },
    });
    const { final } = await drive(waiting, {});
    const refused = await advance(waiting, final, { type: "start" }, envAt()).catch(
      (error: unknown) => error,
    );
    expect(isStrataError(refused)).toBe(true);
    expect(refused).toMatchObject({ code: "run_event_unexpected" });
  });

  it("labels only the run's first step with start", async () => {
    const { trace } = await drive(pure, { a: 1, b: 1 });
    expect(path(trace)).toEqual(["prepare:start", "route", "small"]);
  });
});

describe("keys that are also Object.prototype's names", () => {
  it("stay plain data as state keys and node ids", async () => {
    // JSON.parse makes `__proto__` an own key, as the YAML and JSON parsers of definitions do.
    const def: unknown = JSON.parse(`{
      "start": "__proto__",
      "nodes": {
        "__proto__": {
          "type": "set",
          "assign": { "__proto__": "1", "constructor": "2" },
          "next": "constructor"
        },
        "constructor": { "type": "task", "handler": "http", "next": "done" },
        "done": { "type": "end" }
      }
    }`);
    const compiled = compile(def);
    const { final } = await drive(compiled, {}, [{ event: { type: "task_succeeded", result: 3 } }]);
    expect(Object.getPrototypeOf(final.state)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(final.state))).toEqual(
      JSON.parse('{"__proto__":1,"constructor":3}'),
    );
    expect(Object.keys(final.visits)).toEqual(["__proto__", "constructor", "done"]);
    expect(final.status).toBe("completed");
  });
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
