/**
 * The answer of `POST /v1/workflows/{wf}/replay`, as the run page reads it. The server's type
 * is `ReplayReport` of src/services/replay-service.ts, built from src/core/replay/replay-run.ts;
 * the console may not import services, and replay-run.ts pulls in Node modules, so the fields
 * the page reads are written out here. test/console-run-view.test.ts checks that the server's
 * type still fits this one.
 */
import type { TraceEntry } from "../../src/core/interpreter/trace-entry.js";

/** What a switch decided on one visit: the case taken (-1 for `default`) and where it led. */
export interface SwitchDecision {
  caseIndex: number | null;
  branch: string | null;
}

/** A replay's answer: the original and the replay side by side, and how they differ. */
export interface ReplayReport {
  runId: string;
  workflowId: string;
  original: { versionNumber: number | null; status: string; output: unknown; path: string[] };
  /** The selector asked for and the version it resolved to (null: the draft). */
  target: { selector: string; versionNumber: number | null };
  /** The input the replay got (the original's, or what an adapter made of it). */
  input: unknown;
  adapter: "none" | "given" | "registered";
  replay: {
    /** `unresolved` when an effect had no recorded outcome and no mock. */
    status: string;
    output: unknown;
    path: string[];
    trace: TraceEntry[];
    unresolved: { node: string; kind: "task" | "wait"; reason: string } | null;
  };
  comparison: {
    /** True when status or output differ. */
    changed: boolean;
    originalPath: string[];
    replayPath: string[];
    /** The first step (from 1) where the paths differ, if they do. */
    divergence: { step: number; original: string | null; replay: string | null } | null;
    /** Every switch that decided differently, by node and visit. */
    switches: Array<{
      node: string;
      visit: number;
      original: SwitchDecision | null;
      replay: SwitchDecision | null;
    }>;
    /** How the output moved, leaf by leaf (`field` is empty for the output as a whole). */
    outputChanges: Array<{ field: string; before: unknown; after: unknown }>;
    statusChange: { original: string; replay: string } | null;
  };
}
