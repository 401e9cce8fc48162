/**
 * A rollout's automatic ramp: the percentages still to come (`5,25,50,100`) and the interval
 * between them. Reaching 100 promotes the candidate.
 */
import { StrataError } from "../errors.js";
import { shareOfPercent } from "./bucket.js";

/** Parses `5,25,50,100` into ascending shares (basis points). */
export function parseSteps(text: string): number[] {
  const parts = text.split(",").map((part) => part.trim());
  if (parts.some((part) => part === "" || !/^\d+(\.\d+)?$/.test(part))) {
    throw new StrataError(
      "validation_failed",
      `steps are percentages separated by commas, e.g. 5,25,50,100, not ${JSON.stringify(text)}`,
    );
  }
  return checkSteps(parts.map((part) => Number(part)));
}

/** Checks steps given as percentages and returns them as shares, strictly ascending. */
export function checkSteps(percents: readonly number[]): number[] {
  const shares = percents.map(shareOfPercent);
  for (let i = 1; i < shares.length; i++) {
    if ((shares[i] ?? 0) <= (shares[i - 1] ?? 0)) {
      throw new StrataError(
        "validation_failed",
        `steps must rise: ${percents.join(", ")} does not (a ramp only moves traffic to the candidate)`,
      );
    }
  }
  return shares;
}

/** The steps after `current`: those above the share in force now. */
export function remainingSteps(steps: readonly number[], current: number): number[] {
  return steps.filter((share) => share > current);
}
