/**
 * The crash test's plan, shared by the test and its driver process: four workflows (a pure
 * decision flow, a task with retries and a loop, a wait for a signal, a wait that times out),
 * a seeded list of runs to start, and what each run must end as. Everything a run does is
 * decided by its input (`failTimes`, `loops`, …), never by timing, so the expected status,
 * output and trace can be computed here, before anything runs.
 */

/** How many runs the driver starts in all. */
export const PLAN_SIZE = 200;

/**
 * The driver's lease on a claimed run: a killed driver's claims lapse after this long, instead
 * of the engine's default 60 s, so the next life takes its tasks and timers over quickly.
 */
export const DRIVER_LEASE_MS = 1000;

/** The signal the signal workflow waits for. */
export const APPROVE_SIGNAL = "approve";

/** What a planned run exercises. */
export type PlanKind = "pure" | "task" | "recovered" | "failed" | "signal" | "timer";

/** One run to start: its plan key doubles as the start request's idempotency key. */
export interface PlanItem {
  item: number;
  /** The idempotency key of the start request. */
  key: string;
  workflow: string;
  kind: PlanKind;
  input: Record<string, unknown>;
  /** The payload the driver sends with {@link APPROVE_SIGNAL} (signal runs only). */
  signal?: { by: string; amount: number };
}

/** One task visit a run must make, and how many attempts it takes. */
export interface ExpectedTask {
  node: string;
  /** 1 on the node's first visit; the idempotency key carries it from the second on. */
  visit: number;
  /** The last attempt: every attempt from 1 to this one is called, none after it. */
  attempts: number;
}

/** How a planned run must end. */
export interface Expected {
  status: "completed" | "failed";
  output: unknown;
  /** The run error's code, for a failed run. */
  errorCode?: string;
  /** The trace as `node` or `node:event` per entry, in order. */
  trace: string[];
  tasks: ExpectedTask[];
}

/** A handler's input: what the task nodes pass to `crash.*` handlers. */
export interface TaskInput {
  item: number;
  n: number;
  /** The loop index (0 on the first visit). */
  i?: number;
  /** Attempts up to this one fail. */
  failTimes: number;
  by?: string;
}

const RETRY_FAST = { initialInterval: "PT0.05S", backoffCoefficient: 1 };

/** The workflows, by key; definitions in the JSON form of DESIGN.md §4. */
export const WORKFLOWS: Record<string, unknown> = {
  "crash-pure": {
    start: "score",
    nodes: {
      score: { type: "set", assign: { score: "n * 3 + 1" }, next: "route" },
      route: {
        type: "switch",
        cases: [{ when: "score % 2 = 0", next: "even" }],
        default: "odd",
      },
      even: { type: "end", output: { kind: "'pure'", parity: "'even'", score: "score" } },
      odd: { type: "end", output: { kind: "'pure'", parity: "'odd'", score: "score" } },
    },
  },
  "crash-task": {
    start: "route",
    nodes: {
      route: {
        type: "switch",
        cases: [{ when: "strict", next: "strictCompute" }],
        default: "init",
      },
      init: { type: "set", assign: { i: "0", total: "0" }, next: "compute" },
      compute: {
        type: "task",
        handler: "crash.compute",
        input: { item: "item", n: "n", i: "i", failTimes: "failTimes" },
        retry: { maxAttempts: 4, ...RETRY_FAST },
        assign: { total: "total + $result.value" },
        next: "step",
        onError: "recover",
      },
      step: { type: "set", assign: { i: "i + 1" }, next: "more" },
      more: { type: "switch", cases: [{ when: "i < loops", next: "compute" }], default: "done" },
      done: { type: "end", output: { kind: "'task'", total: "total", calls: "i" } },
      recover: {
        type: "end",
        output: { kind: "'recovered'", message: "$error.message", attempts: "$error.attempts" },
      },
      strictCompute: {
        type: "task",
        handler: "crash.compute",
        input: { item: "item", n: "n", i: "0", failTimes: "failTimes" },
        retry: { maxAttempts: 2, ...RETRY_FAST },
        assign: { total: "$result.value", i: "1" },
        next: "done",
      },
    },
  },
  "crash-signal": {
    start: "ask",
    nodes: {
      ask: {
        type: "wait",
        signal: APPROVE_SIGNAL,
        timeout: "PT10M",
        onTimeout: "expired",
        assign: { by: "$signal.by", amount: "$signal.amount" },
        next: "notify",
      },
      notify: {
        type: "task",
        handler: "crash.notify",
        input: { item: "item", n: "n", by: "by", failTimes: "failTimes" },
        retry: { maxAttempts: 3, ...RETRY_FAST },
        assign: { receipt: "$result.receipt" },
        next: "approved",
      },
      approved: {
        type: "end",
        output: { kind: "'signal'", by: "by", amount: "amount", receipt: "receipt" },
      },
      expired: { type: "end", output: { kind: "'expired'" } },
    },
  },
  "crash-timer": {
    start: "hold",
    nodes: {
      hold: { type: "wait", signal: "never", timeout: "PT0.3S", onTimeout: "late", next: "early" },
      late: {
        type: "task",
        handler: "crash.stamp",
        input: { item: "item", n: "n", failTimes: "0" },
        assign: { stamp: "$result.stamp" },
        next: "finish",
      },
      finish: { type: "end", output: { kind: "'timer'", stamp: "stamp" } },
      early: { type: "end", output: { kind: "'early'" } },
    },
  },
};

/** What `crash.compute` returns for a visit: the plan's arithmetic, checked in outputs. */
export function computeValue(input: TaskInput): number {
  return input.n * 10 + (input.i ?? 0);
}

/** What `crash.notify` returns as the receipt. */
export function receiptOf(input: TaskInput): string {
  return `r-${input.by ?? "?"}-${input.n}`;
}

/** What `crash.stamp` returns. */
export function stampOf(input: TaskInput): number {
  return input.n + 1000;
}

/** A small seeded generator (mulberry32): the same seed gives the same plan and kill times. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The runs to start, in order: a seeded mix of every kind. */
export function makePlan(seed: number): PlanItem[] {
  const random = seededRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  return Array.from({ length: PLAN_SIZE }, (_, item) => {
    const n = pick(1000);
    const key = `crash-${item}`;
    const roll = random();
    if (roll < 0.2) return { item, key, workflow: "crash-pure", kind: "pure", input: { item, n } };
    if (roll < 0.5) {
      const input = { item, n, strict: false, failTimes: pick(3), loops: 1 + pick(2) };
      return { item, key, workflow: "crash-task", kind: "task", input };
    }
    if (roll < 0.55) {
      const input = { item, n, strict: false, failTimes: 9, loops: 1 };
      return { item, key, workflow: "crash-task", kind: "recovered", input };
    }
    if (roll < 0.6) {
      const input = { item, n, strict: true, failTimes: 9, loops: 1 };
      return { item, key, workflow: "crash-task", kind: "failed", input };
    }
    if (roll < 0.8) {
      const signal = { by: `reviewer-${pick(7)}`, amount: pick(10_000) };
      const input = { item, n, failTimes: pick(2) };
      return { item, key, workflow: "crash-signal", kind: "signal", input, signal };
    }
    return { item, key, workflow: "crash-timer", kind: "timer", input: { item, n } };
  });
}

/** How a planned run must end, its trace shape, and the task visits it makes. */
export function expectedOf(plan: PlanItem): Expected {
  const n = Number(plan.input.n);
  const failTimes = Number(plan.input.failTimes ?? 0);
  switch (plan.kind) {
    case "pure": {
      const score = n * 3 + 1;
      const parity = score % 2 === 0 ? "even" : "odd";
      return {
        status: "completed",
        output: { kind: "pure", parity, score },
        trace: ["score:start", "route", parity],
        tasks: [],
      };
    }
    case "task": {
      const loops = Number(plan.input.loops);
      const trace = ["route:start", "init"];
      const tasks: ExpectedTask[] = [];
      let total = 0;
      for (let i = 0; i < loops; i++) {
        trace.push("compute", ...repeat("compute:task_failed", failTimes));
        trace.push("compute:task_succeeded", "step", "more");
        tasks.push({ node: "compute", visit: i + 1, attempts: failTimes + 1 });
        total += computeValue({ item: plan.item, n, i, failTimes });
      }
      trace.push("done");
      return {
        status: "completed",
        output: { kind: "task", total, calls: loops },
        trace,
        tasks,
      };
    }
    case "recovered":
      return {
        status: "completed",
        output: { kind: "recovered", message: "planned failure on attempt 4", attempts: 4 },
        trace: ["route:start", "init", "compute", ...repeat("compute:task_failed", 4), "recover"],
        tasks: [{ node: "compute", visit: 1, attempts: 4 }],
      };
    case "failed":
      return {
        status: "failed",
        output: null,
        errorCode: "task_failed",
        trace: ["route:start", "strictCompute", ...repeat("strictCompute:task_failed", 2)],
        tasks: [{ node: "strictCompute", visit: 1, attempts: 2 }],
      };
    case "signal": {
      const by = plan.signal?.by ?? "";
      return {
        status: "completed",
        output: {
          kind: "signal",
          by,
          amount: plan.signal?.amount,
          receipt: receiptOf({ item: plan.item, n, by, failTimes }),
        },
        trace: [
          "ask:start",
          "ask:signal",
          "notify",
          ...repeat("notify:task_failed", failTimes),
          "notify:task_succeeded",
          "approved",
        ],
        tasks: [{ node: "notify", visit: 1, attempts: failTimes + 1 }],
      };
    }
    case "timer":
      return {
        status: "completed",
        output: { kind: "timer", stamp: stampOf({ item: plan.item, n, failTimes: 0 }) },
        trace: ["hold:start", "hold:timer", "late", "late:task_succeeded", "finish"],
        tasks: [{ node: "late", visit: 1, attempts: 1 }],
      };
  }
}

function repeat(entry: string, times: number): string[] {
  return Array.from({ length: times }, () => entry);
}

/** One line of the handler log: one handler call, written before the handler returns. */
export interface HandlerCall {
  runId: string;
  node: string;
  idempotencyKey: string;
  attempt: number;
  item: number;
  /** The loop index the task input carried (0 when the node is not in a loop). */
  i: number;
  /** The driver's life (0 for the first process) that made the call. */
  life: number;
}

/** One start or signal the engine acknowledged to the driver (it returned without error). */
export interface Acknowledged {
  type: "start" | "signal";
  item: number;
  runId: string;
  life: number;
}

/** The driver's log of handler calls (one {@link HandlerCall} per line), in its log folder. */
export const HANDLER_LOG = "handler-calls.jsonl";

/** The driver's log of acknowledged starts and signals (one {@link Acknowledged} per line). */
export const ACK_LOG = "acknowledged.jsonl";
