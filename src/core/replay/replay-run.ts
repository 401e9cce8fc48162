/**
 * Replay (DESIGN.md §5): a past run's original input through another version, with no side
 * effects. The interpreter runs the target definition; whenever it reaches an effect, the
 * outcome comes from the original run's trace — a task called at the same node with the same
 * input gets the original attempts' outcomes in order, a wait gets the signal or timer the
 * original got there — else from a mock the caller supplies, else replay stops and reports the
 * node `unresolved`. Each event is applied at the time the original applied it, with the
 * original run's id (its random stream), so replaying a run against its own version reproduces
 * its trace exactly.
 *
 * The comparison puts both paths side by side: the first step where they diverge, every switch
 * that routed differently, and how the output moved.
 */
import { canonicalJson } from "../definition/canonical.js";
import { jsonChanges, jsonEqual } from "../definition/json-equal.js";
import type { RunKind } from "../model.js";
import type { CompiledDefinition } from "../interpreter/compile-definition.js";
import { advance, initialSnapshot } from "../interpreter/interpreter.js";
import type { RunEvent } from "../interpreter/run-event.js";
import type { RunSnapshot } from "../interpreter/run-snapshot.js";
import type { TraceEntry } from "../interpreter/trace-entry.js";
import type {
  ReplayComparison,
  ReplayedRun,
  ResolvedEffect,
  SwitchChange,
  UnresolvedNode,
} from "./replay-types.js";

export type {
  ReplayComparison,
  ReplayedRun,
  ResolvedEffect,
  SwitchChange,
  UnresolvedNode,
} from "./replay-types.js";
/** What replay needs of the original run. */
export interface RecordedRun {
  id: string;
  kind: RunKind;
  input: unknown;
  status: string;
  output: unknown;
  /** The original's trace: where its task results, signals and timers come from. */
  trace: readonly TraceEntry[];
  createdAt: string;
}

/** The version the run is replayed through. */
export interface ReplayTarget {
  compiled: CompiledDefinition;
  versionId: string;
  versionNumber: number | null;
}

/** Task results (or a wait's signal payload) the caller supplies, by node id. */
export type ReplayMocks = Readonly<Record<string, unknown>>;

/** The outcomes the original run recorded, consumed in order by replay. */
interface Recording {
  /** Task outcomes per node and canonical input: each attempt's event and its time. */
  tasks: Map<string, Array<{ event: RunEvent; at: string }>>;
  /** Wait outcomes per node: the signal or timer, and its time. */
  waits: Map<string, Array<{ event: RunEvent; at: string }>>;
}

/** Reads the trace into the outcomes replay feeds back. */
function record(trace: readonly TraceEntry[]): Recording {
  const tasks = new Map<string, Array<{ event: RunEvent; at: string }>>();
  const waits = new Map<string, Array<{ event: RunEvent; at: string }>>();
  const calledWith = new Map<string, string>();
  const push = <K>(
    map: Map<K, Array<{ event: RunEvent; at: string }>>,
    key: K,
    event: RunEvent,
    at: string,
  ) => map.set(key, [...(map.get(key) ?? []), { event, at }]);
  for (const entry of trace) {
    if (entry.type === "task" && entry.input !== undefined)
      calledWith.set(entry.node, canonicalJson(entry.input ?? null));
    const key = `${entry.node}\u0000${calledWith.get(entry.node) ?? ""}`;
    if (entry.event === "task_succeeded") {
      push(tasks, key, { type: "task_succeeded", result: entry.result ?? null }, entry.at);
    } else if (entry.event === "task_failed" && entry.error !== undefined) {
      // Retries are the target's business: its own policy decides what a failure leads to.
      const permanent = entry.permanent === true ? { retryable: false } : {};
      push(tasks, key, { type: "task_failed", error: entry.error, ...permanent }, entry.at);
    } else if (entry.event === "signal" && entry.signal !== undefined) {
      push(
        waits,
        entry.node,
        { type: "signal", name: entry.signal.name, payload: entry.signal.payload },
        entry.at,
      );
    } else if (entry.event === "timer") {
      push(waits, entry.node, { type: "timer" }, entry.at);
    }
  }
  return { tasks, waits };
}

/** Replays `run` through `target`. Never performs an effect. */
export async function replayRun(
  run: RecordedRun,
  target: ReplayTarget,
  input: unknown,
  mocks: ReplayMocks = {},
): Promise<ReplayedRun> {
  const recording = record(run.trace);
  const info = {
    id: run.id,
    versionId: target.versionId,
    versionNumber: target.versionNumber,
    kind: run.kind,
  };
  let now = run.trace[0]?.at ?? run.createdAt;
  const trace: TraceEntry[] = [];
  const effects: ResolvedEffect[] = [];
  let step = await advance(
    target.compiled,
    initialSnapshot(target.compiled, input),
    { type: "start" },
    {
      now: new Date(now),
      run: info,
    },
  );
  trace.push(...step.trace);
  let snapshot: RunSnapshot = step.snapshot;
  let unresolved: UnresolvedNode | null = null;
  // Each loop resolves the pending effect; the step limit bounds the loop like a real run.
  while (
    snapshot.pending !== null &&
    (snapshot.status === "running" || snapshot.status === "waiting")
  ) {
    const pending = snapshot.pending;
    const node = pending.node;
    let next: { event: RunEvent; at: string; source: "original" | "mock" } | undefined;
    if (pending.type === "task") {
      const key = `${node}\u0000${canonicalJson(pending.input ?? null)}`;
      const queue = recording.tasks.get(key);
      const recorded = queue?.shift();
      if (recorded !== undefined) next = { ...recorded, source: "original" };
      else if (Object.hasOwn(mocks, node)) {
        next = {
          event: { type: "task_succeeded", result: mocks[node] ?? null },
          at: now,
          source: "mock",
        };
      } else {
        unresolved = {
          node,
          kind: "task",
          input: pending.input,
          reason:
            queue === undefined
              ? `the original run never called ${node} with this input; supply a mock for it`
              : `the original run's calls of ${node} with this input are used up; supply a mock for it`,
        };
      }
    } else {
      const recorded = recording.waits.get(node)?.shift();
      const fits =
        recorded !== undefined &&
        (recorded.event.type === "timer"
          ? pending.deadline !== undefined
          : recorded.event.type === "signal" && recorded.event.name === pending.signal);
      if (recorded !== undefined && fits) next = { ...recorded, source: "original" };
      else if (Object.hasOwn(mocks, node) && pending.signal !== undefined) {
        next = {
          event: { type: "signal", name: pending.signal, payload: mocks[node] ?? null },
          at: now,
          source: "mock",
        };
      } else {
        unresolved = {
          node,
          kind: "wait",
          reason: `the original run got no ${pending.signal === undefined ? "timer" : `signal ${pending.signal} or timer`} at ${node}; supply a mock payload for it`,
        };
      }
    }
    if (next === undefined) break;
    effects.push({ node, kind: pending.type === "task" ? "task" : "wait", source: next.source });
    now = next.at;
    step = await advance(target.compiled, snapshot, next.event, { now: new Date(now), run: info });
    trace.push(...step.trace);
    snapshot = step.snapshot;
  }
  const last = trace.at(-1);
  return {
    status: unresolved !== null ? "unresolved" : snapshot.status,
    output: snapshot.status === "completed" ? (last?.output ?? null) : null,
    failure:
      snapshot.status === "failed"
        ? (trace.findLast((e) => e.failure !== undefined)?.failure ?? null)
        : null,
    trace,
    unresolved,
    effects,
  };
}

/** The nodes a trace entered, in order (an entry with an event continues the node it is at). */
export function pathOf(trace: readonly TraceEntry[]): string[] {
  return trace
    .filter((entry) => entry.event === undefined || entry.event === "start")
    .map((entry) => entry.node);
}

/** Compares the original run with its replay. */
export function compareRuns(original: RecordedRun, replay: ReplayedRun): ReplayComparison {
  const originalPath = pathOf(original.trace);
  const replayPath = pathOf(replay.trace);
  let divergence: ReplayComparison["divergence"] = null;
  for (let i = 0; i < Math.max(originalPath.length, replayPath.length); i++) {
    if (originalPath[i] !== replayPath[i]) {
      divergence = {
        step: i + 1,
        original: originalPath[i] ?? null,
        replay: replayPath[i] ?? null,
      };
      break;
    }
  }
  const originalOutput = original.status === "completed" ? original.output : null;
  const outputChanges = jsonChanges(originalOutput, replay.output);
  // A run still in flight (or cancelled) stopped where it stands; a replay that stops at the
  // same node for want of the original's next event went as far, the same way.
  const stoppedAlike =
    replay.status === "unresolved" &&
    original.status !== "completed" &&
    original.status !== "failed" &&
    replay.unresolved?.node === original.trace.at(-1)?.node;
  const statusChange =
    original.status === replay.status || stoppedAlike
      ? null
      : { original: original.status, replay: replay.status };
  return {
    changed: statusChange !== null || !jsonEqual(originalOutput, replay.output),
    originalPath,
    replayPath,
    divergence,
    switches: switchChanges(original.trace, replay.trace),
    outputChanges,
    statusChange,
  };
}

/** Switch decisions matched by node and visit; those that differ. */
function switchChanges(
  original: readonly TraceEntry[],
  replay: readonly TraceEntry[],
): SwitchChange[] {
  const decisions = (trace: readonly TraceEntry[]) => {
    const byVisit = new Map<string, { caseIndex: number | null; branch: string | null }>();
    const visits = new Map<string, number>();
    for (const entry of trace) {
      if (entry.type !== "switch") continue;
      const visit = (visits.get(entry.node) ?? 0) + 1;
      visits.set(entry.node, visit);
      byVisit.set(`${entry.node}\u0000${visit}`, {
        caseIndex: entry.caseIndex ?? null,
        branch: entry.branch ?? null,
      });
    }
    return byVisit;
  };
  const before = decisions(original);
  const after = decisions(replay);
  const changes: SwitchChange[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const [node = "", visit = "1"] = key.split("\u0000");
    const a = before.get(key) ?? null;
    const b = after.get(key) ?? null;
    if (a?.branch !== b?.branch || a?.caseIndex !== b?.caseIndex) {
      changes.push({ node, visit: Number(visit), original: a, replay: b });
    }
  }
  return changes.sort((x, y) => x.node.localeCompare(y.node) || x.visit - y.visit);
}
