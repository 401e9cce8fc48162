/**
 * One backtest (DESIGN.md §5): what it replays and against what, its progress (looked at again
 * every second while it is queued or running, and no more once it ends or the page goes), a
 * cancel while it may still run, and, once done, its report: the counts and which runs'
 * decisions would change.
 */
import type { Workflow } from "../../../src/core/model";
import { call, segment } from "../api";
import { isUnderWay } from "../backtests";
import type { Backtest } from "../backtests";
import { BacktestReportView } from "../components/BacktestReportView";
import { ErrorNote } from "../components/ErrorNote";
import { When } from "../components/When";
import { hrefOf } from "../route";
import { useAction } from "../use-action";
import { useApi } from "../use-api";
import { versionName } from "../version-name";
import { usePoll } from "../use-poll";
import "./backtest.css";

/** How often the page looks at a job that may still change. */
const POLL_MS = 1_000;

export function BacktestPage({ id }: { id: string }) {
  const path = `/v1/backtests/${segment(id)}`;
  const loaded = useApi(`backtest:${id}`, () => call<Backtest>("GET", path));
  const { data: job, error, reload } = loaded;
  const workflowId = job?.workflowId ?? null;
  // The job names its workflow by id; its key makes the links.
  const { data: workflow } = useApi(`backtest-workflow:${workflowId ?? ""}`, () =>
    workflowId === null
      ? Promise.resolve(null)
      : call<Workflow>("GET", `/v1/workflows/${segment(workflowId)}`),
  );
  const action = useAction(reload);
  const underWay = job !== undefined && isUnderWay(job);
  usePoll(loaded, underWay, POLL_MS);

  if (job === undefined) {
    return (
      <section className="backtest-page">
        <h1>Backtest {id}</h1>
        <ErrorNote error={error} />
      </section>
    );
  }
  const cancel = (): void =>
    action.run("Cancel", async () => {
      const after = await call<Backtest>("POST", `${path}/cancel`);
      return after.status === "cancelled"
        ? "Cancelled."
        : "Cancel requested: it stops within a batch.";
    });
  const key = workflow?.key ?? null;
  return (
    <section className="backtest-page">
      <h1>
        Backtest {job.id}{" "}
        <span className={`badge ${job.status}`} data-testid="backtest-status">
          {job.status}
        </span>
      </h1>
      <p className="subtitle">
        {key === null ? (
          job.workflowId
        ) : (
          <>
            <a href={hrefOf({ page: "workflow", key, version: null })}>{key}</a> ·{" "}
            <a href={hrefOf({ page: "backtests", key })}>all its backtests</a>
          </>
        )}
      </p>
      <ErrorNote error={error} />
      <ErrorNote error={action.error} />
      {action.notice !== null && (
        <p className="notice" role="status">
          {action.notice}
        </p>
      )}
      <div className="card">
        <h2>Job</h2>
        <dl className="facts backtest-job">
          <dt>Target</dt>
          <dd>{versionName(job.target)}</dd>
          <dt>Baseline</dt>
          <dd>
            production runs of{" "}
            {job.sourceVersion === null ? "every version" : `v${job.sourceVersion}`} that ended
          </dd>
          <dt>Started between</dt>
          <dd>
            {job.since === null ? "the first run" : <When at={job.since} />} and{" "}
            <When at={job.until} />, at most {job.limit}, newest first
          </dd>
          {job.adapter !== null && (
            <>
              <dt>Input adapter</dt>
              <dd>
                <code>{job.adapter}</code>
              </dd>
            </>
          )}
          <dt>Created</dt>
          <dd>
            <When at={job.createdAt} /> by {job.createdBy}
          </dd>
          <dt>Ran</dt>
          <dd>
            <When at={job.startedAt} /> – <When at={job.finishedAt} />
          </dd>
          <dt>Progress</dt>
          <dd data-testid="backtest-progress">
            <progress aria-label="Runs replayed" value={job.done} max={job.total ?? undefined} />{" "}
            {job.done}
            {job.total === null ? "" : ` of ${job.total}`} runs replayed
            {job.cancelRequested && underWay && " · cancel requested"}
          </dd>
        </dl>
        {underWay && (
          <button type="button" className="danger" disabled={action.busy} onClick={cancel}>
            Cancel
          </button>
        )}
        {job.error !== null && <p className="error">The backtest failed: {job.error}</p>}
      </div>
      {job.report !== null && (
        <BacktestReportView
          report={job.report}
          partial={job.status !== "completed"}
          target={job.target}
        />
      )}
    </section>
  );
}
