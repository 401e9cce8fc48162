/**
 * The rollout flags `publish` and `rollout start` share: `--percent P`, `--steps 5,25,50,100
 * --every 1h`, `--guard failure-rate+2%/200 [--guard-every 1m]`, turned into the API's
 * rollout plan. Malformed numbers are usage errors; figures out of range (a percentage over
 * 100, falling steps, a bad interval or guard) are refused by the engine as `validation_failed`,
 * the same way in local and remote mode.
 */
import { InvalidArgumentError } from "commander";
import type { Command } from "commander";
import { StrataError } from "../core/errors.js";
import { parseGuard } from "../core/routing/guard.js";
import type { PublishRollout } from "../index.js";

/** The flags as commander gives them. */
export interface RolloutFlags {
  percent?: number;
  steps?: number[];
  every?: string;
  guard?: string;
  guardEvery?: string;
}

/** A commander parser for a percentage: a plain decimal number (`10`, `0.5`). */
export function percentArgument(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text.trim())) {
    throw new InvalidArgumentError("expected a percentage such as 10 or 0.5.");
  }
  return Number(text);
}

/** A commander parser for `5,25,50,100`: percentages separated by commas. */
export function stepsArgument(text: string): number[] {
  const parts = text.split(",").map((part) => part.trim());
  if (parts.some((part) => !/^\d+(\.\d+)?$/.test(part))) {
    throw new InvalidArgumentError("expected percentages separated by commas, e.g. 5,25,50,100.");
  }
  return parts.map(Number);
}

/** Declares the ramp and guard flags (the percentage is declared by each command). */
export function addRampOptions(command: Command): Command {
  return command
    .option(
      "--steps <list>",
      "ramp by itself through these percentages, e.g. 5,25,50,100 (100 promotes)",
      stepsArgument,
    )
    .option("--every <interval>", "the time between steps, e.g. 1h, 15m (with --steps)")
    .option(
      "--guard <rule>",
      "abort by itself when the candidate fails more often, e.g. failure-rate+2%/200 " +
        "(2 points more, judged over at least 200 finished runs each)",
    )
    .option("--guard-every <interval>", "how often the guard looks (default 1m)");
}

/**
 * The rollout plan the flags describe, for a rollout at `percent`. `--guard` is read with the
 * engine's own parser, so a malformed rule is refused before anything is sent.
 */
export function rolloutPlan(percent: number, flags: RolloutFlags): PublishRollout {
  const plan: PublishRollout = { percent };
  if (flags.steps !== undefined) plan.steps = flags.steps;
  if (flags.every !== undefined) plan.every = flags.every;
  if (flags.guardEvery !== undefined && flags.guard === undefined) {
    throw new StrataError(
      "validation_failed",
      "--guard-every sets how often a guard looks: give --guard too (e.g. failure-rate+2%/200)",
    );
  }
  if (flags.guard !== undefined) {
    const guard = parseGuard(flags.guard, flags.guardEvery);
    plan.guard = {
      maxFailureRateIncrease: guard.maxFailureRateIncrease,
      minRuns: guard.minRuns,
      ...(flags.guardEvery === undefined ? {} : { every: flags.guardEvery }),
    };
  }
  return plan;
}

/** Whether any ramp or guard flag was given (they need a percentage). */
export function hasRampFlags(flags: RolloutFlags): boolean {
  return (
    flags.steps !== undefined ||
    flags.every !== undefined ||
    flags.guard !== undefined ||
    flags.guardEvery !== undefined
  );
}
