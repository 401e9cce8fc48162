/**
 * The rollout guard (DESIGN.md §3): it aborts a rollout by itself when the candidate's failure
 * rate exceeds the stable's by more than a threshold, once each arm has finished at least a
 * minimum number of runs. Written `failure-rate+2%/200` on the command line: "abort when the
 * candidate fails 2 points more often than the stable, judged over at least 200 runs each".
 */
import { StrataError } from "../errors.js";
import { formatInterval, parseInterval } from "./interval.js";

/** A guard as stored and sent over the API. */
export interface RolloutGuard {
  /** The most the candidate's failure rate may exceed the stable's, in percentage points. */
  maxFailureRateIncrease: number;
  /** Finished production runs each arm needs before the guard judges. */
  minRuns: number;
  /** How often the guard looks, in milliseconds. */
  everyMs: number;
}

/** How often a guard looks unless told otherwise. */
export const DEFAULT_GUARD_EVERY_MS = 60_000;

/** One arm's finished production runs since the rollout started. */
export interface ArmStats {
  /** Completed plus failed (cancelled runs say nothing about the version). */
  finished: number;
  failed: number;
}

/** What a look at the figures concluded. */
export interface GuardVerdict {
  verdict: "waiting" | "ok" | "tripped";
  stable: ArmStats & { failureRate: number };
  candidate: ArmStats & { failureRate: number };
  /** Candidate rate minus stable rate, in percentage points. */
  increase: number;
  /** One sentence with the figures, for the audit log and `rollout status`. */
  explanation: string;
}

const TEXT = /^failure-rate\s*\+\s*(\d+(?:\.\d+)?)\s*%\s*\/\s*(\d+)$/;

/** Parses `failure-rate+2%/200` (and an optional interval) into a guard. */
export function parseGuard(text: string, every?: string): RolloutGuard {
  const match = TEXT.exec(text.trim());
  if (match === null) {
    throw new StrataError(
      "validation_failed",
      `a guard reads failure-rate+<points>%/<min runs>, e.g. failure-rate+2%/200, not ${JSON.stringify(text)}`,
    );
  }
  return checkGuard({
    maxFailureRateIncrease: Number(match[1]),
    minRuns: Number(match[2]),
    everyMs:
      every === undefined ? DEFAULT_GUARD_EVERY_MS : parseInterval(every, "the guard's interval"),
  });
}

/** Checks a guard's figures (from the API or from {@link parseGuard}). */
export function checkGuard(guard: RolloutGuard): RolloutGuard {
  const { maxFailureRateIncrease, minRuns, everyMs } = guard;
  if (
    !Number.isFinite(maxFailureRateIncrease) ||
    maxFailureRateIncrease < 0 ||
    maxFailureRateIncrease > 100
  ) {
    throw new StrataError(
      "validation_failed",
      `the guard's failure-rate increase is in percentage points, 0 to 100, not ${maxFailureRateIncrease}`,
    );
  }
  if (!Number.isSafeInteger(minRuns) || minRuns < 1) {
    throw new StrataError(
      "validation_failed",
      `the guard's minimum number of runs must be a whole number of at least 1, not ${minRuns}`,
    );
  }
  if (!Number.isSafeInteger(everyMs) || everyMs < 1_000) {
    throw new StrataError(
      "validation_failed",
      `the guard looks at most once a second; everyMs must be at least 1000, not ${everyMs}`,
    );
  }
  return { maxFailureRateIncrease, minRuns, everyMs };
}

/** The guard as the command line writes it. */
export function formatGuard(guard: RolloutGuard): string {
  return `failure-rate+${guard.maxFailureRateIncrease}%/${guard.minRuns} every ${formatInterval(guard.everyMs)}`;
}

/** Judges the figures: waiting for enough runs, fine, or tripped. */
export function evaluateGuard(
  guard: RolloutGuard,
  stable: ArmStats,
  candidate: ArmStats,
): GuardVerdict {
  const rate = (arm: ArmStats): number =>
    arm.finished === 0 ? 0 : (100 * arm.failed) / arm.finished;
  const stableRate = rate(stable);
  const candidateRate = rate(candidate);
  const increase = candidateRate - stableRate;
  const figures =
    `candidate ${candidate.failed}/${candidate.finished} failed (${round(candidateRate)}%), ` +
    `stable ${stable.failed}/${stable.finished} (${round(stableRate)}%)`;
  let verdict: GuardVerdict["verdict"];
  let explanation: string;
  if (stable.finished < guard.minRuns || candidate.finished < guard.minRuns) {
    verdict = "waiting";
    explanation = `${figures}: waiting for ${guard.minRuns} finished runs on each side`;
  } else if (increase > guard.maxFailureRateIncrease) {
    verdict = "tripped";
    explanation = `${figures}: the candidate fails ${round(increase)} points more often, over the limit of ${guard.maxFailureRateIncrease}`;
  } else {
    verdict = "ok";
    explanation = `${figures}: within ${guard.maxFailureRateIncrease} points`;
  }
  return {
    verdict,
    stable: { ...stable, failureRate: round(stableRate) },
    candidate: { ...candidate, failureRate: round(candidateRate) },
    increase: round(increase),
    explanation,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
