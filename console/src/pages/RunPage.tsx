/**
 * One run (DESIGN.md §7): its status, input, output, error and route; its trace as a table and
 * drawn on the graph of the version it is bound to (visited nodes, and the node it stands at);
 * signal and cancel while it is in flight; and a replay through another version side by side.
 * The version comes from `GET /v1/workflows/{wf}/versions`, found by the run's `versionId`:
 * the one call that also finds a draft (a draft run has no number) and offers the replay's
 * choices.
 */
import type { TraceEntry } from "../../../src/core/interpreter/trace-entry";
import type { Draft, Run, Version, Workflow } from "../../../src/core/model";
import { call, segment } from "../api";
import { DefinitionGraph } from "../components/DefinitionGraph";
import { ErrorNote } from "../components/ErrorNote";
import { ReplayPanel } from "../components/ReplayPanel";
import { RunActions } from "../components/RunActions";
import { TraceTable } from "../components/TraceTable";
import { When } from "../components/When";
import { hrefOf } from "../route";
import { currentNodeOf, describeRoute, marksOf, pathOfTrace } from "../run-view";
import type { ReplayChoice } from "../runs-route";
import { useApi } from "../use-api";
import { usePoll } from "../use-poll";
import { versionName } from "../version-name";
import "./runs.css";

interface Props {
  runId: string;
  /** The replay the hash asks for, if any. */
  replay: ReplayChoice | null;
}

/**
 * How often the page loads a run that may still change by itself: a running one moves on as
 * its tasks run; a waiting one changes only by a signal, a timer or a cancel, so less often.
 * An ended run never changes: no polling.
 */
const RUNNING_POLL_MS = 2_000;
const WAITING_POLL_MS = 10_000;

/** The run's workflow and its versions (the draft among them). */
interface RunContext {
  workflow: Workflow;
  versions: Array<Version | Draft>;
}

/** The page of one run (`#/runs/<id>`). */
export function RunPage({ runId, replay }: Props) {
  const loaded = useApi(runId, () => call<Run>("GET", `/v1/runs/${segment(runId)}`));
  const { data: run, error, reload } = loaded;
  const status = run?.status;
  usePoll(
    loaded,
    status === "running" || status === "waiting",
    status === "running" ? RUNNING_POLL_MS : WAITING_POLL_MS,
  );
  const workflowId = run?.workflowId;
  const context = useApi(workflowId ?? "", async (): Promise<RunContext | undefined> => {
    if (workflowId === undefined) return undefined;
    const base = `/v1/workflows/${segment(workflowId)}`;
    const [workflow, versions] = await Promise.all([
      call<Workflow>("GET", base),
      call<Array<Version | Draft>>("GET", `${base}/versions`),
    ]);
    return { workflow, versions };
  });
  if (run === undefined) {
    return (
      <section className="run-page">
        <h1>
          Run <code>{runId}</code>
        </h1>
        <ErrorNote error={error} />
      </section>
    );
  }
  const workflow = context.data?.workflow;
  const versions = context.data?.versions;
  const version = versions?.find((entry) => entry.id === run.versionId);
  const trace = run.trace as TraceEntry[];
  const current = currentNodeOf(run);
  const workflowRef = workflow?.key ?? run.workflowId;
  return (
    <section className="run-page">
      <h1>
        Run <code>{run.id}</code> <span className={`badge ${run.status}`}>{run.status}</span>
      </h1>
      <p className="subtitle">
        <a href={hrefOf({ page: "workflow", key: workflowRef, version: null })}>{workflowRef}</a> ·{" "}
        <a
          href={hrefOf({
            page: "workflow",
            key: workflowRef,
            version: run.versionNumber ?? "draft",
          })}
        >
          {versionName(run.versionNumber)}
        </a>{" "}
        · {run.kind} · created <When at={run.createdAt} /> by {run.createdBy} ·{" "}
        <a href={hrefOf({ page: "runs", filters: { workflow: workflowRef } })}>
          runs of {workflowRef}
        </a>
      </p>
      <ErrorNote error={error ?? context.error} />
      <div className="card">
        <h2>Run</h2>
        <dl className="facts run-facts">
          <dt>Status</dt>
          <dd data-testid="run-status">
            <span className={`badge ${run.status}`}>{run.status}</span>
            {run.waitingFor !== null && (
              <>
                {" "}
                waits
                {run.waitingFor.signal === undefined ? "" : ` for signal ${run.waitingFor.signal}`}
                {run.waitingFor.deadline !== undefined && (
                  <>
                    {" "}
                    until <When at={run.waitingFor.deadline} />
                  </>
                )}{" "}
                at <code>{current}</code>
              </>
            )}
            {run.pendingTask !== null && (
              <>
                {" "}
                next: task <code>{run.pendingTask.node}</code> ({run.pendingTask.handler}), attempt{" "}
                {run.pendingTask.attempt}
              </>
            )}
          </dd>
          <dt>Route</dt>
          <dd>
            {describeRoute(run.route)}
            {run.routingKey !== null && <span className="muted"> · key {run.routingKey}</span>}
          </dd>
          <dt>Created</dt>
          <dd>
            <When at={run.createdAt} />
          </dd>
          <dt>Ended</dt>
          <dd>
            <When at={run.endedAt} />
          </dd>
          {run.error !== null && (
            <>
              <dt>Error</dt>
              <dd className="error" data-testid="run-error">
                <code>{run.error.code}</code> {run.error.message}
                {run.error.node !== undefined && <> (at {run.error.node})</>}
              </dd>
            </>
          )}
          {run.migrations.length > 0 && (
            <>
              <dt>Migrated</dt>
              <dd>
                {run.migrations
                  .map(
                    (move) =>
                      `v${move.fromVersion} ${move.fromNode} → v${move.toVersion} ${move.toNode} by ${move.by}`,
                  )
                  .join("; ")}
              </dd>
            </>
          )}
        </dl>
        <div className="run-data">
          <div>
            <h3>Input</h3>
            <pre data-testid="run-input">{JSON.stringify(run.input, null, 2)}</pre>
          </div>
          <div>
            <h3>Output</h3>
            <pre data-testid="run-output">{JSON.stringify(run.output, null, 2)}</pre>
          </div>
        </div>
      </div>
      <RunActions run={run} onChanged={reload} />
      <div className="card">
        <h2>Trace</h2>
        <TraceTable trace={trace} definition={version?.definition} />
        <details>
          <summary>Every entry, as recorded</summary>
          <pre>{JSON.stringify(trace, null, 2)}</pre>
        </details>
      </div>
      <div className="card" data-testid="run-graph">
        <h2>
          Graph of {version === undefined ? "its version" : versionLabel(run, version)}
          <span className="legend">
            <span className="mark-visited">visited</span>
            <span className="mark-current">where it stands</span>
          </span>
        </h2>
        {context.data !== undefined && version === undefined && (
          <p className="muted">
            The version this run ran is no longer there (a draft discarded since), so there is no
            graph to draw.
          </p>
        )}
        {version !== undefined && (
          <>
            {run.versionNumber === null && (
              <p className="hint">
                This run ran the draft; the graph shows that draft as it is now
                {version.number === null ? "" : ` (published since as v${version.number})`}, which
                may have changed since the run.
              </p>
            )}
            <DefinitionGraph
              definition={version.definition}
              marks={marksOf({ visited: pathOfTrace(trace), current })}
            />
          </>
        )}
      </div>
      <ReplayPanel
        // A new choice in the hash (the form's, or the history's) starts the form from it.
        key={replay === null ? "" : JSON.stringify(replay)}
        run={run}
        versions={versions}
        runDefinition={version?.definition}
        choice={replay}
      />
    </section>
  );
}

/** `v2` or `the draft`, as the graph's title names the run's version. */
function versionLabel(run: Run, version: Version | Draft): string {
  if (run.versionNumber !== null) return `v${run.versionNumber}`;
  return version.number === null ? "the draft" : `the draft (now v${version.number})`;
}
