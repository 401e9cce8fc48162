/**
 * A workflow's backtests (DESIGN.md §5): start one (a target, the baseline runs it replays,
 * since when, how many) and the list of its jobs, newest first, followed while any runs.
 * Starting one is an editor's; a viewer gets the server's refusal shown in place.
 */
import { useState } from "react";
import type { Draft, Version, Workflow } from "../../../src/core/model";
import { call, segment } from "../api";
import type { Page } from "../api";
import { isUnderWay } from "../backtests";
import type { Backtest } from "../backtests";
import { ErrorNote } from "../components/ErrorNote";
import { When } from "../components/When";
import { hrefOf } from "../route";
import { useAction } from "../use-action";
import { useApi } from "../use-api";
import { versionName } from "../version-name";
import { usePoll } from "../use-poll";
import "./backtest.css";
import { Form } from "../components/Form";

/** How often the list looks again while a job is queued or running. */
const POLL_MS = 2_000;
/** The newest jobs the list shows. */
const LIST_LIMIT = 100;

/** What the start form needs: the workflow and its versions. */
interface StartData {
  workflow: Workflow;
  versions: Array<Version | Draft>;
}

export function BacktestsPage({ workflowKey }: { workflowKey: string }) {
  const base = `/v1/workflows/${segment(workflowKey)}`;
  const query = new URLSearchParams({ workflow: workflowKey, limit: String(LIST_LIMIT) });
  const jobs = useApi(`backtests:${workflowKey}`, () =>
    call<Page<Backtest>>("GET", `/v1/backtests?${query.toString()}`),
  );
  const form = useApi(`backtest-form:${workflowKey}`, async (): Promise<StartData> => {
    const [workflow, versions] = await Promise.all([
      call<Workflow>("GET", base),
      call<Array<Version | Draft>>("GET", `${base}/versions`),
    ]);
    return { workflow, versions };
  });
  usePoll(jobs, jobs.data?.items.some(isUnderWay) ?? false, POLL_MS);

  return (
    <section className="backtest-page">
      <h1>
        Backtests of{" "}
        <a href={hrefOf({ page: "workflow", key: workflowKey, version: null })}>{workflowKey}</a>
      </h1>
      <p className="subtitle">
        Replay past production runs against a version or the draft, and see which decisions would
        change.
      </p>
      <ErrorNote error={form.error ?? jobs.error} />
      {form.data !== undefined && (
        <div className="card start-backtest">
          <h2>Start a backtest</h2>
          <StartBacktestForm base={base} {...form.data} />
        </div>
      )}
      <div className="card">
        <h2>Backtests</h2>
        {jobs.data !== undefined && <BacktestList jobs={jobs.data} />}
      </div>
    </section>
  );
}

/** The start form; a stored job opens its report page. */
function StartBacktestForm({ base, workflow, versions }: StartData & { base: string }) {
  const action = useAction();
  const hasDraft = versions.some((version) => version.number === null);
  const numbers = versions
    .flatMap((version) => (version.number === null ? [] : [version.number]))
    .sort((a, b) => b - a);
  const [target, setTarget] = useState(
    hasDraft ? "draft" : String(workflow.latestVersion ?? numbers[0] ?? ""),
  );
  const [baseline, setBaseline] = useState(
    workflow.liveVersion === null ? "" : String(workflow.liveVersion),
  );
  const [since, setSince] = useState("");
  const [limit, setLimit] = useState("");
  const submit = (): void => {
    const body: Record<string, unknown> = {
      target: target === "draft" ? "draft" : Number(target),
    };
    if (baseline !== "") body.version = Number(baseline);
    if (since.trim() !== "") body.since = since.trim();
    if (limit.trim() !== "") body.limit = Number(limit);
    action.run("Start backtest", async () => {
      const job = await call<Backtest>("POST", `${base}/backtests`, body);
      window.location.hash = hrefOf({ page: "backtest", id: job.id });
      return null;
    });
  };
  return (
    <>
      <ErrorNote error={action.error} />
      <Form className="backtest-form" onSubmit={submit}>
        <label htmlFor="backtest-target">Target</label>
        <select
          id="backtest-target"
          value={target}
          onChange={(event) => setTarget(event.target.value)}
        >
          {hasDraft && <option value="draft">draft</option>}
          {numbers.map((number) => (
            <option key={number} value={number}>
              v{number}
            </option>
          ))}
        </select>
        <label htmlFor="backtest-baseline">Baseline: runs of</label>
        <select
          id="backtest-baseline"
          value={baseline}
          onChange={(event) => setBaseline(event.target.value)}
        >
          <option value="">every version</option>
          {numbers.map((number) => (
            <option key={number} value={number}>
              v{number}
            </option>
          ))}
        </select>
        <label htmlFor="backtest-since">Since</label>
        <input
          id="backtest-since"
          placeholder="30d, or 2026-05-01T00:00:00Z (empty: all)"
          value={since}
          onChange={(event) => setSince(event.target.value)}
        />
        <label htmlFor="backtest-limit">At most (runs, newest first)</label>
        <input
          id="backtest-limit"
          type="number"
          min={1}
          step={1}
          placeholder="10000"
          value={limit}
          onChange={(event) => setLimit(event.target.value)}
        />
        <span />
        <span>
          <button type="submit" disabled={action.busy}>
            Start backtest
          </button>
        </span>
      </Form>
    </>
  );
}

/** The workflow's backtests, newest first. */
function BacktestList({ jobs }: { jobs: Page<Backtest> }) {
  if (jobs.items.length === 0) return <p className="muted">No backtest yet.</p>;
  return (
    <>
      <table className="backtests">
        <thead>
          <tr>
            <th>Backtest</th>
            <th>Status</th>
            <th>Target</th>
            <th>Baseline</th>
            <th>Since</th>
            <th>Runs</th>
            <th>Would change</th>
            <th>Created</th>
            <th>By</th>
          </tr>
        </thead>
        <tbody>
          {jobs.items.map((job) => (
            <tr key={job.id} data-backtest={job.id}>
              <td>
                <a href={hrefOf({ page: "backtest", id: job.id })}>{job.id}</a>
              </td>
              <td>
                <span className={`badge ${job.status}`}>{job.status}</span>
              </td>
              <td>{versionName(job.target)}</td>
              <td>{job.sourceVersion === null ? "every version" : `v${job.sourceVersion}`}</td>
              <td>
                <When at={job.since} />
              </td>
              <td className="num">
                {job.done}
                {job.total === null ? "" : ` / ${job.total}`}
              </td>
              <td className="num">{job.report === null ? "—" : job.report.changed}</td>
              <td>
                <When at={job.createdAt} />
              </td>
              <td>{job.createdBy}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {jobs.nextCursor !== null && <p className="muted">The newest {LIST_LIMIT} are shown.</p>}
    </>
  );
}
