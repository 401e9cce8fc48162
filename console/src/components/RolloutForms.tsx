/**
 * The rollout panel's forms: start a rollout (share, optional ramp and guard), set the share of
 * the one in progress, and roll back. Each sends what was typed as the API's body and leaves
 * checking it to the API, so a refusal reads the same as from the CLI or a client.
 */
import { useState } from "react";
import type { Draft, LiveRoute, Rollout, Version } from "../../../src/core/model";
import { call } from "../api";
import type { ActionState } from "../use-action";
import { Form } from "./Form";

interface FormProps {
  /** `/v1/workflows/{wf}`. */
  base: string;
  route: LiveRoute;
  versions: Array<Version | Draft>;
  action: ActionState;
}

/** What `POST /{wf}/rollback` answers (src/services/rollout-service.ts's RollbackResult). */
interface RollbackResult {
  liveVersion: number;
  rollout: Rollout | null;
  restored: boolean;
}

/** A typed number, or undefined when the field is empty (the API then says what is missing). */
const numberOf = (text: string): number | undefined =>
  text.trim() === "" ? undefined : Number(text);

/** The numbers of `versions` that pass `keep`, newest first. */
function numbers(versions: Array<Version | Draft>, keep: (version: Version) => boolean): number[] {
  return versions
    .flatMap((version) => (version.number !== null && keep(version) ? [version.number] : []))
    .sort((a, b) => b - a);
}

/** `chosen` if it is still one of `options`, else the preferred one, else the first. */
function pick(chosen: string, options: number[], preferred: number | null): string {
  if (options.includes(Number(chosen)) && chosen !== "") return chosen;
  if (preferred !== null && options.includes(preferred)) return String(preferred);
  return options[0] === undefined ? "" : String(options[0]);
}

/** Starts a rollout from the live version towards a published one. */
export function StartRolloutForm({ base, route, versions, action }: FormProps) {
  const [to, setTo] = useState("");
  const [percent, setPercent] = useState("10");
  const [steps, setSteps] = useState("");
  const [every, setEvery] = useState("");
  const [guardPoints, setGuardPoints] = useState("");
  const [guardRuns, setGuardRuns] = useState("");
  const [guardEvery, setGuardEvery] = useState("");
  const [replace, setReplace] = useState(false);
  const candidates = numbers(
    versions,
    (version) => version.state === "published" && version.number !== route.liveVersion,
  );
  if (candidates.length === 0) {
    return <p className="muted">No published version besides the live one to roll out.</p>;
  }
  const chosen = pick(to, candidates, route.latestVersion);
  const submit = (): void => {
    const body: Record<string, unknown> = { to: Number(chosen), percent: numberOf(percent) };
    if (steps.trim() !== "") body.steps = steps.split(",").map((step) => Number(step.trim()));
    if (every.trim() !== "") body.every = every.trim();
    if (guardPoints.trim() !== "" || guardRuns.trim() !== "" || guardEvery.trim() !== "") {
      body.guard = {
        maxFailureRateIncrease: numberOf(guardPoints),
        minRuns: numberOf(guardRuns),
        ...(guardEvery.trim() === "" ? {} : { every: guardEvery.trim() }),
      };
    }
    if (replace) body.replace = true;
    action.run("Start rollout", async () => {
      const started = await call<Rollout>("POST", `${base}/rollout`, body);
      return `Started rolling out v${started.candidateVersion} at ${started.percent}%.`;
    });
  };
  return (
    <Form className="rollout-form" onSubmit={submit}>
      <label htmlFor="rollout-to">Candidate</label>
      <select id="rollout-to" value={chosen} onChange={(event) => setTo(event.target.value)}>
        {candidates.map((number) => (
          <option key={number} value={number}>
            v{number}
          </option>
        ))}
      </select>
      <label htmlFor="rollout-percent">Candidate&apos;s share (%)</label>
      <input
        id="rollout-percent"
        type="number"
        min={0}
        max={100}
        step="any"
        value={percent}
        onChange={(event) => setPercent(event.target.value)}
      />
      <label htmlFor="rollout-steps">Steps (%)</label>
      <input
        id="rollout-steps"
        placeholder="25,50,100 (optional; 100 promotes)"
        value={steps}
        onChange={(event) => setSteps(event.target.value)}
      />
      <label htmlFor="rollout-every">Every</label>
      <input
        id="rollout-every"
        placeholder="1h (with steps)"
        value={every}
        onChange={(event) => setEvery(event.target.value)}
      />
      <label htmlFor="rollout-guard-points">Guard: abort above stable by (points)</label>
      <input
        id="rollout-guard-points"
        type="number"
        min={0}
        max={100}
        step="any"
        placeholder="optional, e.g. 2"
        value={guardPoints}
        onChange={(event) => setGuardPoints(event.target.value)}
      />
      <label htmlFor="rollout-guard-runs">Guard: finished runs per arm</label>
      <input
        id="rollout-guard-runs"
        type="number"
        min={1}
        step={1}
        placeholder="e.g. 200"
        value={guardRuns}
        onChange={(event) => setGuardRuns(event.target.value)}
      />
      <label htmlFor="rollout-guard-every">Guard: looks every</label>
      <input
        id="rollout-guard-every"
        placeholder="1m"
        value={guardEvery}
        onChange={(event) => setGuardEvery(event.target.value)}
      />
      {route.rollout !== null && (
        <>
          <label htmlFor="rollout-replace">Replace the rollout in progress</label>
          <input
            id="rollout-replace"
            type="checkbox"
            checked={replace}
            onChange={(event) => setReplace(event.target.checked)}
          />
        </>
      )}
      <span />
      <span>
        <button type="submit" disabled={action.busy}>
          Start rollout
        </button>
      </span>
    </Form>
  );
}

/** Sets the share of the rollout in progress by hand (its automatic ramp stops). */
export function SetPercentForm({
  base,
  rollout,
  action,
}: {
  base: string;
  rollout: Rollout;
  action: ActionState;
}) {
  const [percent, setPercent] = useState(String(rollout.percent));
  return (
    <Form
      className="inline"
      onSubmit={() => {
        action.run("Set percentage", async () => {
          const changed = await call<Rollout>("PATCH", `${base}/rollout`, {
            percent: numberOf(percent),
          });
          return `v${changed.candidateVersion} now gets ${changed.percent}% of new runs.`;
        });
      }}
    >
      <label>
        New share (%){" "}
        <input
          type="number"
          min={0}
          max={100}
          step="any"
          value={percent}
          onChange={(event) => setPercent(event.target.value)}
        />
      </label>
      <button type="submit" disabled={action.busy}>
        Set percentage
      </button>
    </Form>
  );
}

/** Makes a version live again, at once or at a share (a rollout towards it). */
export function RollbackForm({ base, route, versions, action }: FormProps) {
  const [to, setTo] = useState("");
  const [percent, setPercent] = useState("");
  const targets = numbers(
    versions,
    (version) => version.state !== "draft" && version.number !== route.liveVersion,
  );
  if (targets.length === 0) {
    return <p className="muted">No other version to roll back to.</p>;
  }
  const previous =
    route.liveVersion === null
      ? null
      : (targets.find((number) => number < (route.liveVersion ?? 0)) ?? null);
  const chosen = pick(to, targets, previous);
  const retired = (number: number): boolean =>
    versions.some((version) => version.number === number && version.state === "retired");
  const submit = (): void => {
    const number = Number(chosen);
    const share = numberOf(percent);
    action.run("Roll back", async () => {
      const question =
        share === undefined
          ? `Make v${number} live again at once?`
          : `Start a rollout towards v${number} at ${share}%?`;
      if (!window.confirm(question)) return null;
      const result = await call<RollbackResult>("POST", `${base}/rollback`, {
        to: number,
        ...(share === undefined ? {} : { percent: share }),
      });
      const restored = result.restored ? " (restored from retired)" : "";
      return result.rollout === null
        ? `v${number} is live${restored}.`
        : `Rolling back to v${number}${restored}: it gets ${result.rollout.percent}% of new runs.`;
    });
  };
  return (
    <Form className="rollout-form" onSubmit={submit}>
      <label htmlFor="rollback-to">Version</label>
      <select id="rollback-to" value={chosen} onChange={(event) => setTo(event.target.value)}>
        {targets.map((number) => (
          <option key={number} value={number}>
            v{number}
            {retired(number) ? " (retired)" : ""}
          </option>
        ))}
      </select>
      <label htmlFor="rollback-percent">Share (%)</label>
      <input
        id="rollback-percent"
        type="number"
        min={0}
        max={100}
        step="any"
        placeholder="empty: live at once"
        value={percent}
        onChange={(event) => setPercent(event.target.value)}
      />
      <span />
      <span>
        <button type="submit" disabled={action.busy}>
          Roll back
        </button>
      </span>
    </Form>
  );
}
