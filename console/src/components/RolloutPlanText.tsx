/** A rollout's plan in words: its two versions and share, its automatic ramp and its guard. */
import type { Rollout } from "../../../src/core/model";
import { formatInterval } from "../../../src/core/routing/interval";
import { When } from "./When";

export function RolloutPlanText({ rollout }: { rollout: Rollout }) {
  const { guard } = rollout;
  return (
    <dl className="facts rollout-plan">
      <dt>Versions</dt>
      <dd>
        v{rollout.stableVersion} (stable) → v{rollout.candidateVersion} (candidate)
      </dd>
      <dt>Candidate&apos;s share</dt>
      <dd data-testid="rollout-percent">{rollout.percent}% of new production runs</dd>
      <dt>Schedule</dt>
      <dd data-testid="rollout-schedule">
        {rollout.steps.length === 0 ? (
          "none: the share changes by hand"
        ) : (
          <>
            ramps to {rollout.steps.map((step) => `${step}%`).join(", ")}
            {rollout.stepEveryMs !== null && ` every ${formatInterval(rollout.stepEveryMs)}`}
            {rollout.steps.at(-1) === 100 && " (100% promotes)"}; next step{" "}
            <When at={rollout.nextStepAt} />
          </>
        )}
      </dd>
      <dt>Guard</dt>
      <dd data-testid="rollout-guard">
        {guard === null
          ? "none"
          : `aborts when the candidate's failure rate exceeds the stable's by more than ` +
            `${guard.maxFailureRateIncrease} points, once each arm has finished ` +
            `${guard.minRuns} runs; looks every ${formatInterval(guard.everyMs)}`}
      </dd>
      <dt>Started</dt>
      <dd>
        <When at={rollout.startedAt} /> by {rollout.startedBy}
      </dd>
    </dl>
  );
}
