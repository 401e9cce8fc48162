/**
 * The chaos test's workload (issue 16): one workflow mixing every kind of step — a pure
 * decision path, an `http` task to the test's sink (which fails a deterministic share of
 * calls), a short timer, a wait for a signal — and a seeded plan of runs over it, with what
 * each run's trace and output must be once it has ended, however often its processes died and
 * its database connections were cut meanwhile.
 */
import { seededRandom } from "./crash-plan.js";

/** The workflow's key. */
export const CHAOS_WORKFLOW = "chaos";

/** The signal the `signal` runs wait for. */
export const GO_SIGNAL = "go";

/** Attempts of each http task, the first included. */
export const HTTP_ATTEMPTS = 4;

/** What a run does. */
export type ChaosKind = "decide" | "http" | "timer" | "signal";

/**
 * How the sink answers a run's http calls: `ok` fails the first `failTimes` calls of the key
 * with 503 and then answers 200; `down` answers 503 to every call (every attempt fails, the
 * run takes `onError` and completes); `reject` answers 422 (a permanent failure after one
 * attempt: the run takes `onError`, and the definition fails it).
 */
export type SinkMode = "ok" | "down" | "reject";

/** A run's input, as the definition reads it (and the http task sends it to the sink). */
export interface ChaosInput {
  item: number;
  kind: ChaosKind;
  n: number;
  mode: SinkMode;
  failTimes: number;
}

/** One run to start. */
export interface ChaosItem {
  item: number;
  /** The start request's idempotency key. */
  key: string;
  input: ChaosInput;
  /** The payload of the signal (signal runs only). */
  signal?: { by: string };
}

/** The definition, for a sink listening at `sinkUrl`. */
export function chaosDefinition(sinkUrl: string): Record<string, unknown> {
  const http = (next: string) => ({
    type: "task",
    handler: "http",
    input: { url: `'${sinkUrl}'`, body: "$" },
    retry: { maxAttempts: HTTP_ATTEMPTS, initialInterval: "PT0.1S", backoffCoefficient: 1 },
    assign: { echoed: "$result.body.key", status: "$result.status" },
    next,
  });
  return {
    inputSchema: {
      type: "object",
      required: ["item", "kind", "n", "mode", "failTimes"],
      properties: {
        item: { type: "integer" },
        kind: { enum: ["decide", "http", "timer", "signal"] },
        n: { type: "integer" },
        mode: { enum: ["ok", "down", "reject"] },
        failTimes: { type: "integer" },
      },
    },
    start: "route",
    nodes: {
      route: {
        type: "switch",
        cases: [
          { when: "kind = 'http'", next: "call" },
          { when: "kind = 'timer'", next: "hold" },
          { when: "kind = 'signal'", next: "ask" },
        ],
        default: "score",
      },
      score: { type: "set", assign: { score: "n * 3 + 1" }, next: "verdict" },
      verdict: {
        type: "switch",
        cases: [{ when: "score % 2 = 0", next: "even" }],
        default: "odd",
      },
      even: { type: "end", output: { kind: "'decide'", parity: "'even'", score: "score" } },
      odd: { type: "end", output: { kind: "'decide'", parity: "'odd'", score: "score" } },
      call: { ...http("called"), onError: "failedCall" },
      called: { type: "end", output: { kind: "'http'", echoed: "echoed", status: "status" } },
      // Every attempt failed (503s): the run completes by its error branch; a permanent
      // failure (a 4xx, after one attempt) fails the run.
      failedCall: { type: "set", assign: { attempts: "$error.attempts" }, next: "why" },
      why: {
        type: "switch",
        cases: [{ when: `attempts < ${HTTP_ATTEMPTS}`, next: "rejected" }],
        default: "gaveUp",
      },
      gaveUp: { type: "end", output: { kind: "'gave-up'", attempts: "attempts" } },
      rejected: { type: "fail", code: "rejected", message: "'the sink refused the call'" },
      hold: { type: "wait", timeout: "PT0.5S", next: "afterTimer" },
      afterTimer: http("timed"),
      timed: { type: "end", output: { kind: "'timer'", echoed: "echoed" } },
      ask: {
        type: "wait",
        signal: GO_SIGNAL,
        timeout: "PT10M",
        onTimeout: "expired",
        assign: { by: "$signal.by" },
        next: "notify",
      },
      notify: http("approved"),
      approved: { type: "end", output: { kind: "'signal'", by: "by", echoed: "echoed" } },
      expired: { type: "fail", code: "expired", message: "'the signal never came'" },
    },
  };
}

/** The runs to start, in order: a seeded mix of every kind. */
export function makeChaosPlan(seed: number, size: number): ChaosItem[] {
  const random = seededRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  return Array.from({ length: size }, (_, item) => {
    const key = `chaos-${seed}-${item}`;
    const n = pick(10_000);
    const roll = random();
    const kind: ChaosKind =
      roll < 0.2 ? "decide" : roll < 0.55 ? "http" : roll < 0.75 ? "timer" : "signal";
    let mode: SinkMode = "ok";
    if (kind === "http") {
      const m = random();
      mode = m < 0.08 ? "down" : m < 0.16 ? "reject" : "ok";
    }
    // About a third of the calls that can fail do, once or twice, before they succeed.
    const failRoll = random();
    const failTimes = kind === "decide" ? 0 : failRoll < 0.2 ? 1 : failRoll < 0.3 ? 2 : 0;
    const input: ChaosInput = { item, kind, n, mode, failTimes };
    return kind === "signal"
      ? { item, key, input, signal: { by: `reviewer-${pick(9)}` } }
      : { item, key, input };
  });
}

/** The task node a run calls the sink from, if any. */
export function taskNodeOf(input: ChaosInput): string | null {
  switch (input.kind) {
    case "decide":
      return null;
    case "http":
      return "call";
    case "timer":
      return "afterTimer";
    case "signal":
      return "notify";
  }
}

/** One trace entry, as far as the checks read it. */
export interface ChaosTraceEntry {
  seq: number;
  node: string;
  event?: string;
  attempt?: number;
  permanent?: true;
  result?: { status?: number; body?: { key?: string } };
  error?: { message?: string };
}

/** How an ended run must look, given how many attempts of its task the trace recorded as failed. */
export interface ChaosExpected {
  status: "completed" | "failed";
  output: unknown;
  errorCode?: string;
  trace: string[];
}

/**
 * What a run must have become. `failed` is the number of `task_failed` entries its trace holds
 * (for `ok` calls it may be below `failTimes`: a call the sink failed whose worker died before
 * recording it is made again, and the sink counts it); the checks bound it separately.
 */
export function expectedOf(item: ChaosItem, taskKey: string, failed: number): ChaosExpected {
  const { input } = item;
  const failures = (node: string, times: number) =>
    Array.from({ length: times }, () => `${node}:task_failed`);
  switch (input.kind) {
    case "decide": {
      const score = input.n * 3 + 1;
      const parity = score % 2 === 0 ? "even" : "odd";
      return {
        status: "completed",
        output: { kind: "decide", parity, score },
        trace: ["route:start", "score", "verdict", parity],
      };
    }
    case "http":
      if (input.mode === "down")
        return {
          status: "completed",
          output: { kind: "gave-up", attempts: HTTP_ATTEMPTS },
          trace: [
            "route:start",
            "call",
            ...failures("call", HTTP_ATTEMPTS),
            "failedCall",
            "why",
            "gaveUp",
          ],
        };
      if (input.mode === "reject")
        return {
          status: "failed",
          output: null,
          errorCode: "rejected",
          trace: ["route:start", "call", "call:task_failed", "failedCall", "why", "rejected"],
        };
      return {
        status: "completed",
        output: { kind: "http", echoed: taskKey, status: 200 },
        trace: [
          "route:start",
          "call",
          ...failures("call", failed),
          "call:task_succeeded",
          "called",
        ],
      };
    case "timer":
      return {
        status: "completed",
        output: { kind: "timer", echoed: taskKey },
        trace: [
          "route:start",
          "hold",
          "hold:timer",
          "afterTimer",
          ...failures("afterTimer", failed),
          "afterTimer:task_succeeded",
          "timed",
        ],
      };
    case "signal":
      return {
        status: "completed",
        output: { kind: "signal", by: item.signal?.by, echoed: taskKey },
        trace: [
          "route:start",
          "ask",
          "ask:signal",
          "notify",
          ...failures("notify", failed),
          "notify:task_succeeded",
          "approved",
        ],
      };
  }
}
