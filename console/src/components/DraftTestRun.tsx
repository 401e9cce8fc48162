/**
 * A test run of the draft (L13): the saved revision runs on an input, and the card shows its
 * status, output or error; the editor marks its path on the graph. A run that waits (for a
 * signal, a timer or a task) can be looked at again.
 */
import { useState } from "react";
import type { TraceEntry } from "../../../src/core/interpreter/trace-entry";
import type { Run } from "../../../src/core/model";
import { call, segment } from "../api";
import { currentNodeOf, marksOf, pathOfTrace } from "../run-view";
import { useAction } from "../use-action";
import { ErrorNote } from "./ErrorNote";

interface Props {
  /** `/v1/workflows/{wf}`. */
  base: string;
  /** The saved revision, which is what runs. */
  revision: number;
  /** Whether the editor holds changes not saved yet (they do not run). */
  dirty: boolean;
  run: Run | null;
  onRun: (run: Run) => void;
}

export function DraftTestRun({ base, revision, dirty, run, onRun }: Props) {
  const [input, setInput] = useState("{}");
  const [inputError, setInputError] = useState<string | null>(null);
  const [ranRevision, setRanRevision] = useState<number | null>(null);
  const action = useAction();

  const start = (): void => {
    let value: unknown;
    try {
      value = JSON.parse(input);
    } catch (thrown) {
      setInputError(`The input is not JSON: ${thrown instanceof Error ? thrown.message : ""}`);
      return;
    }
    setInputError(null);
    action.run("Test run", async () => {
      const started = await call<Run>("POST", `${base}/draft/runs`, { input: value });
      setRanRevision(revision);
      onRun(started);
      return null;
    });
  };
  const refresh = (id: string): void =>
    action.run("Refresh", async () => {
      onRun(await call<Run>("GET", `/v1/runs/${segment(id)}`));
      return null;
    });

  return (
    <div className="card test-run">
      <h2>Test run</h2>
      <p className="hint">
        Runs the saved revision {revision} as a test run: it counts in no production figure.
        {dirty && " Your unsaved changes do not run: save them first."}
      </p>
      <label htmlFor="test-input">Input (JSON)</label>
      <textarea
        id="test-input"
        className="code"
        rows={6}
        spellCheck={false}
        value={input}
        onChange={(event) => setInput(event.target.value)}
      />
      <div>
        <button type="button" disabled={action.busy} onClick={start}>
          Run revision {revision}
        </button>
      </div>
      {inputError !== null && (
        <p className="error" role="alert">
          {inputError}
        </p>
      )}
      <ErrorNote error={action.error} />
      {run !== null && (
        <RunOutcome run={run} revision={ranRevision} busy={action.busy} onRefresh={refresh} />
      )}
    </div>
  );
}

/** A run's status, where it stands, and its output or error. */
function RunOutcome({
  run,
  revision,
  busy,
  onRefresh,
}: {
  run: Run;
  revision: number | null;
  busy: boolean;
  onRefresh: (id: string) => void;
}) {
  const open = run.status === "running" || run.status === "waiting";
  const path = tracedNodes(run);
  return (
    <div className="run-outcome" data-testid="test-run">
      <p>
        Run <code>{run.id}</code>
        {revision !== null && ` of revision ${revision}`}:{" "}
        <span className={`badge ${run.status}`} data-testid="run-status">
          {run.status}
        </span>
        {open && (
          <button type="button" disabled={busy} onClick={() => onRefresh(run.id)}>
            Refresh
          </button>
        )}
      </p>
      {path.length > 0 && (
        <p>
          Path (marked on the graph): <span data-testid="run-path">{path.join(" → ")}</span>
        </p>
      )}
      {run.waitingFor !== null && (
        <p className="muted">
          Waits for{" "}
          {run.waitingFor.signal === undefined ? "a timer" : `the signal ${run.waitingFor.signal}`}
          {run.waitingFor.deadline !== undefined && ` until ${run.waitingFor.deadline}`}.
        </p>
      )}
      {run.pendingTask !== null && (
        <p className="muted">
          Next: task {run.pendingTask.node} ({run.pendingTask.handler}), attempt{" "}
          {run.pendingTask.attempt}.
        </p>
      )}
      {run.error !== null && (
        <p className="error">
          <code>{run.error.code}</code> {run.error.message}
          {run.error.node !== undefined && ` (at ${run.error.node})`}
        </p>
      )}
      {run.status === "completed" && (
        <>
          <div>Output</div>
          <pre data-testid="run-output">{JSON.stringify(run.output, null, 2)}</pre>
        </>
      )}
    </div>
  );
}

/** The nodes a run's trace went through, in order, each once. */
function tracedNodes(run: Run): string[] {
  return [...new Set(pathOfTrace(run.trace as TraceEntry[]))];
}

/**
 * The graph's marks for a run: every node it went through, and where an open run stands (the
 * same reading as the run page's, from run-view.ts).
 */
export function runMarks(run: Run | null): Record<string, string> {
  if (run === null) return {};
  return marksOf({ visited: pathOfTrace(run.trace as TraceEntry[]), current: currentNodeOf(run) });
}
