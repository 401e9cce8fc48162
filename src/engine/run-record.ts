/** Converting between the interpreter's snapshot and the `runs` row, and the public run. */
import type { Advance, RunSnapshot, TraceEntry } from "../core/interpreter/index.js";
import { bucketOf } from "../core/routing/bucket.js";
import type { Run, RunError, RunRoute, RunStatus, RunMigration } from "../core/model.js";
import type { RunRow } from "../store/run-rows.js";

/** The row columns a snapshot decides. */
export interface SnapshotColumns {
  status: RunStatus;
  snapshot: string;
  output: string | null;
  error: string | null;
  wait_signal: string | null;
  task_handler: string | null;
  due_at: string | null;
  ended_at: string | null;
}

/**
 * The columns for a snapshot: what the run waits for, and `due_at`, when the worker must act
 * (a task attempt now or at its retry time, a wait's timer), null when only a signal moves it.
 */
export function snapshotColumns(snapshot: RunSnapshot, now: string): SnapshotColumns {
  const pending = snapshot.pending;
  const ended = snapshot.status === "completed" || snapshot.status === "failed";
  return {
    status: snapshot.status,
    // An ended run never advances again, and nothing reads its snapshot: it would only repeat
    // the status, the input, the state and the output the row holds (the trace records every
    // assignment, and where the run ended), so none is kept.
    snapshot: ended ? "{}" : JSON.stringify(snapshot),
    output: snapshot.status === "completed" ? JSON.stringify(snapshot.output ?? null) : null,
    error: snapshot.error === undefined ? null : JSON.stringify(snapshot.error),
    wait_signal: pending?.type === "wait" ? (pending.signal ?? null) : null,
    task_handler: pending?.type === "task" ? pending.handler : null,
    due_at:
      pending === null
        ? null
        : pending.type === "task"
          ? (pending.notBefore ?? now)
          : (pending.deadline ?? null),
    ended_at: ended ? now : null,
  };
}

/**
 * A trace as the `runs` row stores it: a JSON array of the entries, leaving out what can be
 * told without it (issue 17): `seq` where it is one more than the entry before (or 1 on the
 * run's first entry); `at` where it is the run's start time (a decision run's entries all
 * happen at its start, and 24 characters of time in each was a tenth of the row); and the
 * `end` entry's `output` unless it is null, the row's `output` being the same value.
 * {@link decodeTrace} puts them back. `first`: the entries begin the trace (not appended).
 */
export function encodeTrace(
  entries: readonly TraceEntry[],
  createdAt: string,
  first = true,
): string {
  return JSON.stringify(
    entries.map((entry, i) => {
      const previous = i === 0 ? (first ? 0 : undefined) : entries[i - 1]?.seq;
      return compact(entry, createdAt, previous !== undefined && entry.seq === previous + 1);
    }),
  );
}

function compact(entry: TraceEntry, createdAt: string, nextSeq: boolean): Partial<TraceEntry> {
  const sameTime = entry.at === createdAt;
  const sameOutput = entry.type === "end" && entry.output !== undefined && entry.output !== null;
  if (!nextSeq && !sameTime && !sameOutput) return entry;
  const rest: Partial<TraceEntry> = { ...entry };
  if (nextSeq) delete rest.seq;
  if (sameTime) delete rest.at;
  if (sameOutput) delete rest.output;
  return rest;
}

/**
 * The stored trace as the interpreter wrote it: every entry with its time in its place (`seq`,
 * `node`, `type`, `at`, then the rest) and the `end` entry with the run's output last, so a
 * run reads the same as before it was stored compactly. `output` is the row's (JSON, null
 * unless the run completed). Rows written before issue 17 have everything and pass through.
 */
export function decodeTrace(
  traceJson: string,
  createdAt: string,
  output: string | null,
): TraceEntry[] {
  const entries = JSON.parse(traceJson) as TraceEntry[];
  let previous = 0;
  for (let i = 0; i < entries.length; i++) {
    let entry = entries[i] as Partial<TraceEntry> & Omit<TraceEntry, "at" | "seq">;
    if (entry.at === undefined || entry.seq === undefined) {
      const { seq, node, type, at, ...rest } = entry;
      entry = { seq: seq ?? previous + 1, node, type, at: at ?? createdAt, ...rest };
    }
    previous = entry.seq ?? previous + 1;
    if (entry.type === "end" && !("output" in entry) && output !== null && output !== "null")
      entry = { ...entry, output: JSON.parse(output) as unknown };
    entries[i] = entry as TraceEntry;
  }
  return entries;
}

/**
 * The trace with an advance's entries appended. The stored trace is a JSON array as
 * {@link encodeTrace} wrote it, so the new entries are spliced in before its closing bracket:
 * parsing and writing out again the whole trace at every step cost a worker more than the
 * step itself once traces grew.
 */
export function appendTrace(traceJson: string, advance: Advance, createdAt: string): string {
  if (advance.trace.length === 0) return traceJson;
  const added = encodeTrace(advance.trace, createdAt, traceJson === "[]");
  if (!traceJson.endsWith("]")) throw new Error("a run's trace is not a JSON array");
  if (traceJson === "[]") return added;
  return `${traceJson.slice(0, -1)},${added.slice(1)}`;
}

/**
 * A route as the `runs` row stores it (issue 17), without what the row tells: the rollout's id
 * (the `rollout_id` column holds it: 45 bytes a rollout's run), the bucket when the routing key
 * gives it (`bucketOf(rollout, key)`; a random bucket, for a run without a key, is kept), and
 * the selector when it is `live`, as most production runs' is. {@link decodeRoute} puts them
 * back.
 */
export function encodeRoute(route: RunRoute, routingKey: string | null): string {
  if (route.rolloutId === undefined && route.selector !== "live") return JSON.stringify(route);
  const rest: Partial<RunRoute> = { ...route };
  if (rest.selector === "live") delete rest.selector;
  if (
    route.rolloutId !== undefined &&
    routingKey !== null &&
    route.bucket === bucketOf(route.rolloutId, routingKey)
  )
    delete rest.bucket;
  delete rest.rolloutId;
  return JSON.stringify(rest);
}

/**
 * The route as the run started with it, its keys in the order the router writes them
 * (selector, binding, rollout, bucket, arm).
 */
export function decodeRoute(
  routeJson: string,
  rolloutId: string | null,
  routingKey: string | null,
): RunRoute {
  const route = JSON.parse(routeJson) as Partial<RunRoute>;
  if (route.selector !== undefined && (rolloutId === null || route.rolloutId !== undefined))
    return route as RunRoute;
  const { selector, binding, rolloutId: storedId, bucket: storedBucket, ...rest } = route;
  const id = storedId ?? rolloutId;
  const bucket =
    storedBucket ?? (id !== null && routingKey !== null ? bucketOf(id, routingKey) : undefined);
  return {
    selector: selector ?? "live",
    ...(binding === undefined ? {} : { binding }),
    ...(id === null ? {} : { rolloutId: id }),
    ...(bucket === undefined ? {} : { bucket }),
    ...rest,
  };
}

/** Values of a row already at hand as objects, so they need not be parsed back. */
export interface ParsedParts {
  snapshot: RunSnapshot;
  trace: unknown[];
  route: RunRoute;
}

/** A row as the public run (pass `parts` when the caller has just serialised them). */
export function toRun(row: RunRow, parts?: ParsedParts): Run {
  const snapshot = parts?.snapshot ?? (JSON.parse(row.snapshot) as RunSnapshot);
  const pending = snapshot.pending;
  return {
    id: row.id,
    workflowId: row.workflow_id,
    versionId: row.version_id ?? row.draft_id ?? "",
    versionNumber: row.version_number,
    kind: row.kind,
    status: row.status,
    input: parts === undefined ? (JSON.parse(row.input) as unknown) : snapshot.input,
    output:
      row.output === null
        ? null
        : parts === undefined
          ? (JSON.parse(row.output) as unknown)
          : (snapshot.output ?? null),
    error:
      row.error === null
        ? null
        : parts === undefined
          ? (JSON.parse(row.error) as RunError)
          : (snapshot.error as RunError),
    route: parts?.route ?? decodeRoute(row.route, row.rollout_id, row.routing_key),
    routingKey: row.routing_key,
    waitingFor:
      row.status === "waiting" && pending?.type === "wait"
        ? {
            ...(pending.signal === undefined ? {} : { signal: pending.signal }),
            ...(pending.deadline === undefined ? {} : { deadline: pending.deadline }),
          }
        : null,
    pendingTask:
      row.status === "running" && pending?.type === "task"
        ? {
            node: pending.node,
            handler: pending.handler,
            attempt: pending.attempt,
            ...(pending.notBefore === undefined ? {} : { notBefore: pending.notBefore }),
          }
        : null,
    trace: parts?.trace ?? decodeTrace(row.trace, row.created_at, row.output),
    migrations: row.migrations === null ? [] : (JSON.parse(row.migrations) as RunMigration[]),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
  };
}
