/**
 * A run's trace (DESIGN.md §4): each node visited and each event applied, in order, with the
 * branch taken and what went in and out. Enough for a console to draw the path, and for replay
 * to compare two runs entry by entry.
 */
import type { NodeId, NodeType } from "../definition/definition.js";
import type { RunEvent } from "./run-event.js";
import type { RunFailure, RunSnapshot, TaskError } from "./run-snapshot.js";

/** One step of a run. */
export interface TraceEntry {
  /** Run-wide position, from 1; equals the snapshot's `steps` after this entry. */
  seq: number;
  node: NodeId;
  type: NodeType;
  /** The step's time (ISO). */
  at: string;
  /** The event this entry applied, or `start` on the run's first node. */
  event?: RunEvent["type"];
  /** The node taken next. */
  branch?: NodeId;
  /** For a switch: the index of the case taken, -1 for `default`. */
  caseIndex?: number;
  /** State keys written; a key whose expression gave nothing is removed from the state. */
  assigned?: Record<string, unknown>;
  /** A task's input, when it was scheduled. */
  input?: unknown;
  result?: unknown;
  /** A task's error, as its handler reported it. */
  error?: TaskError;
  /** The handler said the failure is permanent: no attempt is left to retry it. */
  permanent?: true;
  attempt?: number;
  /** When a failed attempt is tried again (ISO). */
  retryAt?: string;
  /** When a wait's timer is due (ISO). */
  deadline?: string;
  signal?: { name: string; payload: unknown };
  output?: unknown;
  /** Why the run failed at this step. */
  failure?: RunFailure;
}

/** The outcome of one `advance`: the new snapshot to store and the trace entries to append. */
export interface Advance {
  snapshot: RunSnapshot;
  trace: TraceEntry[];
}
