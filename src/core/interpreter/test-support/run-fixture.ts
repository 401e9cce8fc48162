/**
 * Helpers for interpreter tests: a run identity, environments at given times, and a driver
 * that feeds a run a script of events and collects its trace.
 */
import { fileURLToPath } from "node:url";
import type { Definition } from "../../definition/definition.js";
import { loadDefinitionFile } from "../../definition/parse-definition.js";
import { compileDefinition } from "../compile-definition.js";
import type { CompiledDefinition } from "../compile-definition.js";
import { advance, initialSnapshot } from "../interpreter.js";
import type { RunEnv, RunEvent, RunInfo } from "../run-event.js";
import type { RunSnapshot } from "../run-snapshot.js";
import type { TraceEntry } from "../trace-entry.js";

/** The run every test runs as. */
export const RUN: RunInfo = { id: "run_1", versionId: "ver_1", versionNumber: 3, kind: "test" };

/** The time of a test's first step. */
export const T0 = "2024-03-01T12:00:00.000Z";

/** An environment at `T0` plus `offsetMs`. */
export function envAt(offsetMs = 0, extra: Partial<RunEnv> = {}): RunEnv {
  return { now: new Date(Date.parse(T0) + offsetMs), run: RUN, ...extra };
}

/** Compiles a definition written inline in a test. */
export function compile(def: unknown): CompiledDefinition {
  return compileDefinition(def as Definition);
}

/** The loan example of `examples/loan.yaml`. */
export async function loadLoanDefinition(): Promise<Definition> {
  const path = fileURLToPath(new URL("../../../../examples/loan.yaml", import.meta.url));
  return (await loadDefinitionFile(path)) as Definition;
}

/** One event of a script, at `T0` plus `atMs`. */
export interface ScriptedEvent {
  event: RunEvent;
  atMs?: number;
}

/** A run driven through a script: every snapshot along the way and the whole trace. */
export interface DrivenRun {
  snapshots: RunSnapshot[];
  trace: TraceEntry[];
  final: RunSnapshot;
}

/**
 * Starts a run with `input` and applies `script` in order. With `roundTrip`, every snapshot
 * goes through JSON before the next step, as it would through a database.
 */
export async function drive(
  compiled: CompiledDefinition,
  input: unknown,
  script: ScriptedEvent[] = [],
  options: { roundTrip?: boolean; stepLimit?: number } = {},
): Promise<DrivenRun> {
  const extra = options.stepLimit === undefined ? {} : { stepLimit: options.stepLimit };
  let snapshot = initialSnapshot(compiled, input);
  const snapshots = [snapshot];
  const trace: TraceEntry[] = [];
  for (const { event, atMs } of [{ event: { type: "start" } as RunEvent, atMs: 0 }, ...script]) {
    const stored = options.roundTrip
      ? (JSON.parse(JSON.stringify(snapshot)) as RunSnapshot)
      : snapshot;
    const result = await advance(compiled, stored, event, envAt(atMs ?? 0, extra));
    snapshot = result.snapshot;
    snapshots.push(snapshot);
    trace.push(...result.trace);
  }
  return { snapshots, trace, final: snapshot };
}

/** The path a trace took, as `node` or `node:event` strings. */
export function path(trace: readonly TraceEntry[]): string[] {
  return trace.map((entry) =>
    entry.event === undefined ? entry.node : `${entry.node}:${entry.event}`,
  );
}
