/**
 * Sticky assignment for rollouts (DESIGN.md §3): a run's bucket is
 * `hash(rolloutId, routingKey) mod 10000`, and it goes to the candidate when
 * `bucket < percent × 100`. The same key always lands in the same bucket of a rollout, so a
 * customer stays on one version while the rollout lasts, and raising the percentage only
 * moves buckets from stable to candidate. A new rollout (a new id) reshuffles the keys.
 */
import { createHash, randomInt } from "node:crypto";
import { StrataError } from "../errors.js";

/** The number of buckets; a share is a count of them (basis points of the traffic). */
export const BUCKETS = 10_000;

/**
 * The bucket of `routingKey` in rollout `rolloutId`: the first 48 bits of
 * sha256(rolloutId, NUL, key), modulo {@link BUCKETS} (the bias of 2^48 mod 10,000 is below
 * one in 10^10).
 */
export function bucketOf(rolloutId: string, routingKey: string): number {
  const digest = createHash("sha256").update(rolloutId).update("\u0000").update(routingKey);
  return digest.digest().readUIntBE(0, 6) % BUCKETS;
}

/** A uniformly random bucket, for runs without a routing key. */
export function randomBucket(): number {
  return randomInt(BUCKETS);
}

/** Whether a bucket is routed to the candidate at `share` basis points. */
export function inCandidate(bucket: number, share: number): boolean {
  return bucket < share;
}

/**
 * A percentage of traffic (0–100, at most two decimals: 0.25 is a quarter of a percent) as a
 * share in basis points; anything else is `validation_failed`.
 */
export function shareOfPercent(percent: number): number {
  const share = Math.round(percent * 100);
  if (
    !Number.isFinite(percent) ||
    percent < 0 ||
    percent > 100 ||
    Math.abs(share - percent * 100) > 1e-6
  ) {
    throw new StrataError(
      "validation_failed",
      `a rollout percentage is a number from 0 to 100 with at most two decimals, not ${percent}`,
    );
  }
  return share;
}

/** A share in basis points as a percentage. */
export function percentOfShare(share: number): number {
  return share / 100;
}
