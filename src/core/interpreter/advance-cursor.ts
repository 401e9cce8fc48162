/**
 * The working state of one `advance`: a private copy of the snapshot that the node and event
 * steps update in place, and the trace entries recorded so far. Copying once at the start is
 * what lets the steps be simple while the caller's snapshot is never touched.
 */
import { StrataError } from "../errors.js";
import type { NodeDef, NodeId, NodeType } from "../definition/definition.js";
import type { CompiledDefinition } from "./compile-definition.js";
import { ExpressionFailure } from "./expressions.js";
import { getOwn, setOwn } from "./json-value.js";
import type { ExpressionContext } from "./expressions.js";
import { DEFAULT_STEP_LIMIT } from "./run-event.js";
import type { RunEnv } from "./run-event.js";
import type { RunFailure, RunSnapshot } from "./run-snapshot.js";
import { createRandomSource } from "./seeded-random.js";
import type { RandomSource } from "./seeded-random.js";
import type { Advance, TraceEntry } from "./trace-entry.js";

/** One advance in progress. */
export interface AdvanceCursor {
  readonly compiled: CompiledDefinition;
  readonly env: RunEnv;
  /** The step's time as ISO text, stamped on every entry. */
  readonly at: string;
  readonly stepLimit: number;
  readonly random: RandomSource;
  /** The snapshot being built: a copy, updated in place. */
  readonly snapshot: RunSnapshot;
  readonly trace: TraceEntry[];
}

/** A trace entry before the cursor numbers and stamps it. */
export type TraceFields = Omit<TraceEntry, "seq" | "at">;

/** Starts an advance from `snapshot`, copying what the steps change. */
export function openCursor(
  compiled: CompiledDefinition,
  snapshot: RunSnapshot,
  env: RunEnv,
): AdvanceCursor {
  return {
    compiled,
    env,
    at: env.now.toISOString(),
    stepLimit: env.stepLimit ?? DEFAULT_STEP_LIMIT,
    random: createRandomSource(env.run.id, snapshot.randomCounter),
    // Nested values are never changed in place, so copying the two records is enough.
    snapshot: { ...snapshot, state: { ...snapshot.state }, visits: { ...snapshot.visits } },
    trace: [],
  };
}

/** The advance's result. */
export function closeCursor(cursor: AdvanceCursor): Advance {
  return {
    snapshot: { ...cursor.snapshot, randomCounter: cursor.random.counter },
    trace: cursor.trace,
  };
}

/** Appends a trace entry, which is one step of the run. */
export function record(cursor: AdvanceCursor, fields: TraceFields): void {
  cursor.snapshot.steps += 1;
  // The same keys in the same order as `{seq, node, type, at, ...the rest of fields}`.
  const { node, type } = fields;
  cursor.trace.push(
    Object.assign({ seq: cursor.snapshot.steps, node, type, at: cursor.at }, fields),
  );
}

/** The node `id` of the definition. */
export function nodeOf(cursor: AdvanceCursor, id: NodeId): NodeDef {
  const node = getOwn(cursor.compiled.definition.nodes, id);
  if (node === undefined) {
    throw new StrataError("internal", `the run is at node '${id}', which its definition lacks`);
  }
  return node;
}

/** The node `id`, which the run's pending effect says is of type `type`. */
export function nodeOfType<T extends NodeType>(
  cursor: AdvanceCursor,
  id: NodeId,
  type: T,
): Extract<NodeDef, { type: T }> {
  const node = nodeOf(cursor, id);
  if (node.type !== type) {
    throw new StrataError(
      "internal",
      `the run waits on node '${id}' as a ${type}, not a ${node.type}`,
    );
  }
  return node as Extract<NodeDef, { type: T }>;
}

/** What expressions see at this step, with `$result` or `$signal` where they apply. */
export function contextFor(
  cursor: AdvanceCursor,
  extra: { result?: unknown; signal?: unknown } = {},
): ExpressionContext {
  const { snapshot, env } = cursor;
  return {
    input: snapshot.input,
    run: env.run,
    now: env.now,
    random: cursor.random,
    ...(snapshot.lastError === undefined ? {} : { error: snapshot.lastError }),
    ...extra,
  };
}

/** Writes assigned keys to the state; a key assigned undefined is removed. */
export function writeState(cursor: AdvanceCursor, assigned: Record<string, unknown>): void {
  const { state } = cursor.snapshot;
  for (const [key, value] of Object.entries(assigned)) {
    if (value === undefined) delete state[key];
    else setOwn(state, key, value);
  }
}

/** Ends the run as failed, recording the step that failed it. */
export function failRun(cursor: AdvanceCursor, failure: RunFailure, fields: TraceFields): void {
  Object.assign(cursor.snapshot, { status: "failed", pending: null, error: failure });
  record(cursor, { ...fields, failure });
}

/**
 * Runs one step; if an expression in it throws, the run fails at `node` (with `event` when
 * the step applied one) and the result is null, meaning nothing more to execute.
 */
export async function failingOnExpression(
  cursor: AdvanceCursor,
  node: NodeId,
  event: TraceEntry["event"],
  step: () => Promise<NodeId | null>,
): Promise<NodeId | null> {
  try {
    return await step();
  } catch (thrown) {
    if (!(thrown instanceof ExpressionFailure)) throw thrown;
    const type = nodeOf(cursor, node).type;
    failRun(cursor, thrown.failure, { node, type, ...(event === undefined ? {} : { event }) });
    return null;
  }
}
