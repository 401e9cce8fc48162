/**
 * The rollout panel (DESIGN.md §3, §7): a workflow's live route (live version, LATEST, the
 * rollout in progress with each arm's figures and the guard's verdict), its controls (set the
 * percentage, promote, abort, start a rollout, roll back) and its rollout history. Every change
 * is a publisher's; a role that may not make it gets the server's refusal shown in place.
 */
import { useState } from "react";
import type {
  Draft,
  LiveRoute,
  Rollout,
  RolloutStatusReport,
  Version,
} from "../../../src/core/model";
import { call, segment } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { RollbackForm, SetPercentForm, StartRolloutForm } from "../components/RolloutForms";
import { RolloutPlanText } from "../components/RolloutPlanText";
import { When } from "../components/When";
import { hrefOf } from "../route";
import { useAction } from "../use-action";
import type { ActionState } from "../use-action";
import { useApi } from "../use-api";
import { usePoll } from "../use-poll";
import { versionOrNone } from "../version-name";
import "./rollout.css";
import { Form } from "../components/Form";

/** How often the panel looks again while a rollout runs (a schedule or guard may move it). */
const REFRESH_MS = 10_000;

/** What the panel loads. */
interface PanelData {
  route: LiveRoute;
  history: Rollout[];
  versions: Array<Version | Draft>;
}

export function RolloutPage({ workflowKey }: { workflowKey: string }) {
  const base = `/v1/workflows/${segment(workflowKey)}`;
  const loaded = useApi(`rollout:${workflowKey}`, async (): Promise<PanelData> => {
    const [route, history, versions] = await Promise.all([
      call<LiveRoute>("GET", `${base}/route`),
      call<Rollout[]>("GET", `${base}/rollouts`),
      call<Array<Version | Draft>>("GET", `${base}/versions`),
    ]);
    return { route, history, versions };
  });
  const { data, error, reload } = loaded;
  const action = useAction(reload);
  const active = data?.route.rollout ?? null;
  usePoll(loaded, active !== null, REFRESH_MS);

  const workflowLink = (
    <a href={hrefOf({ page: "workflow", key: workflowKey, version: null })}>{workflowKey}</a>
  );
  if (data === undefined) {
    return (
      <section className="rollout-page">
        <h1>Rollout of {workflowLink}</h1>
        <ErrorNote error={error} />
      </section>
    );
  }
  const { route, history, versions } = data;
  return (
    <section className="rollout-page">
      <h1>Rollout of {workflowLink}</h1>
      <p className="subtitle" data-testid="live-route">
        live {versionOrNone(route.liveVersion)} · LATEST {versionOrNone(route.latestVersion)} ·{" "}
        {active === null
          ? "no rollout in progress"
          : `v${active.candidateVersion} rolling out at ${active.percent}%`}{" "}
        ·{" "}
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </p>
      <ErrorNote error={error} />
      <ErrorNote error={action.error} />
      {action.notice !== null && (
        <p className="notice" role="status">
          {action.notice}
        </p>
      )}
      {active !== null && (
        // Keyed by rollout: a new one (a replace, a rollback) starts its forms afresh.
        <ActiveRollout key={active.id} base={base} rollout={active} action={action} />
      )}
      <div className="card start-rollout">
        <h2>Start a rollout</h2>
        <StartRolloutForm base={base} route={route} versions={versions} action={action} />
      </div>
      <div className="card rollback">
        <h2>Roll back</h2>
        <RollbackForm base={base} route={route} versions={versions} action={action} />
      </div>
      <div className="card">
        <h2>History</h2>
        <RolloutHistory rollouts={history} />
      </div>
    </section>
  );
}

/** The rollout in progress: its plan, each arm's figures, the guard's verdict, its controls. */
function ActiveRollout({
  base,
  rollout,
  action,
}: {
  base: string;
  rollout: RolloutStatusReport;
  action: ActionState;
}) {
  const { stable, candidate } = rollout.arms;
  const promote = (): void =>
    action.run("Promote", async () => {
      if (!window.confirm(`Promote v${candidate.version}? It alone will serve new runs.`))
        return null;
      await call("POST", `${base}/rollout/promote`);
      return `Promoted v${candidate.version}: it is live.`;
    });
  return (
    <div className="card active-rollout">
      <h2>
        Rollout in progress <span className="badge active">{rollout.status}</span>
      </h2>
      <RolloutPlanText rollout={rollout} />
      {rollout.guardVerdict !== null && (
        <p className="guard-verdict">
          Guard:{" "}
          <span className={`badge ${rollout.guardVerdict.verdict}`}>
            {rollout.guardVerdict.verdict}
          </span>{" "}
          {rollout.guardVerdict.explanation}
        </p>
      )}
      <table className="arms">
        <thead>
          <tr>
            <th>Arm</th>
            <th>Version</th>
            <th className="num">Runs</th>
            <th className="num">Open</th>
            <th className="num">Completed</th>
            <th className="num">Failed</th>
            <th className="num">Failure rate</th>
          </tr>
        </thead>
        <tbody>
          {(
            [
              ["stable", stable],
              ["candidate", candidate],
            ] as const
          ).map(([arm, figures]) => (
            <tr key={arm} data-arm={arm}>
              <td>{arm}</td>
              <td>v{figures.version}</td>
              <td className="num">{figures.runs}</td>
              <td className="num">{figures.open}</td>
              <td className="num">{figures.completed}</td>
              <td className="num">{figures.failed}</td>
              <td className="num">{figures.failureRate}%</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="controls">
        <SetPercentForm base={base} rollout={rollout} action={action} />
        <button type="button" disabled={action.busy} onClick={promote}>
          Promote
        </button>
      </div>
      <AbortForm base={base} rollout={rollout} action={action} />
    </div>
  );
}

/** Abort, with the reason the audit log keeps. */
function AbortForm({
  base,
  rollout,
  action,
}: {
  base: string;
  rollout: Rollout;
  action: ActionState;
}) {
  const [reason, setReason] = useState("");
  return (
    <Form
      className="inline"
      onSubmit={() => {
        action.run("Abort", async () => {
          const body = reason.trim() === "" ? {} : { reason: reason.trim() };
          await call("POST", `${base}/rollout/abort`, body);
          return `Aborted the rollout: v${rollout.stableVersion} alone serves again.`;
        });
      }}
    >
      <label>
        Reason{" "}
        <input
          value={reason}
          maxLength={500}
          placeholder="aborted by hand"
          onChange={(event) => setReason(event.target.value)}
        />
      </label>
      <button type="submit" className="danger" disabled={action.busy}>
        Abort
      </button>
    </Form>
  );
}

/** The workflow's rollouts, newest first. */
function RolloutHistory({ rollouts }: { rollouts: Rollout[] }) {
  if (rollouts.length === 0) return <p className="muted">No rollout yet.</p>;
  return (
    <table className="rollout-history">
      <thead>
        <tr>
          <th>Started</th>
          <th>By</th>
          <th>Stable → candidate</th>
          <th>Share</th>
          <th>Status</th>
          <th>Ended</th>
          <th>By</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {rollouts.map((rollout) => (
          <tr key={rollout.id} data-rollout={rollout.id}>
            <td>
              <When at={rollout.startedAt} />
            </td>
            <td>{rollout.startedBy}</td>
            <td>
              v{rollout.stableVersion} → v{rollout.candidateVersion}
            </td>
            <td>
              {rollout.endedAtPercent === null
                ? `${rollout.percent}%`
                : `${rollout.endedAtPercent}% → ${rollout.percent}%`}
            </td>
            <td>
              <span className={`badge ${rollout.status}`}>{rollout.status}</span>
            </td>
            <td>
              <When at={rollout.endedAt} />
            </td>
            <td>{rollout.endedBy ?? ""}</td>
            <td>{rollout.endReason ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
