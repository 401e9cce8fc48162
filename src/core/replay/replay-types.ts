/**
 * The shapes of a replay's answer (DESIGN.md §5), apart from the code that computes them
 * (./replay-run.ts), so that readers of the API — the console among them — can share them
 * without pulling in the interpreter.
 */
import type { FieldChange } from "../definition/json-equal.js";
import type { RunFailure } from "../interpreter/run-snapshot.js";
import type { TraceEntry } from "../interpreter/trace-entry.js";

/** A node replay could not get past. */
export interface UnresolvedNode {
  node: string;
  kind: "task" | "wait";
  /** For a task: the input it was called with (no original call had that input). */
  input?: unknown;
  reason: string;
}

/** Where a replayed outcome came from, per effect. */
export interface ResolvedEffect {
  node: string;
  kind: "task" | "wait";
  source: "original" | "mock";
}

/** The replayed run. */
export interface ReplayedRun {
  /** `unresolved` when an effect had no recorded outcome and no mock. */
  status: "completed" | "failed" | "waiting" | "running" | "unresolved";
  output: unknown;
  failure: RunFailure | null;
  trace: TraceEntry[];
  unresolved: UnresolvedNode | null;
  effects: ResolvedEffect[];
}

/** A switch that routed differently. */
export interface SwitchChange {
  node: string;
  /** Which visit of the node (1 for the first). */
  visit: number;
  original: { caseIndex: number | null; branch: string | null } | null;
  replay: { caseIndex: number | null; branch: string | null } | null;
}

/** Both runs side by side. */
export interface ReplayComparison {
  /** True when status or output differ. */
  changed: boolean;
  /** The nodes each run entered, in order. */
  originalPath: string[];
  replayPath: string[];
  /** The first step where the paths differ (null when they do not). */
  divergence: { step: number; original: string | null; replay: string | null } | null;
  switches: SwitchChange[];
  /** How the output moved, leaf by leaf (`decision`, `score`…). */
  outputChanges: FieldChange[];
  statusChange: { original: string; replay: string } | null;
}

/** The answer of a replay: the original and the replay side by side, and how they differ. */
export interface ReplayReport {
  runId: string;
  workflowId: string;
  original: {
    versionNumber: number | null;
    status: string;
    output: unknown;
    path: string[];
  };
  target: { selector: string; versionNumber: number | null };
  /** The input the target got (the original's, or what the adapter made of it). */
  input: unknown;
  /** Which adapter made the input fit: none, the one given, or one registered for the pair. */
  adapter: "none" | "given" | "registered";
  replay: Omit<ReplayedRun, "trace"> & { path: string[]; trace: ReplayedRun["trace"] };
  comparison: ReplayComparison;
}
