/**
 * A workflow's policy (DESIGN.md L7, §8, §10): the input-schema compatibility mode its
 * publishes must keep, and whether a publish needs reviewers' approvals first (issue 18, ADR
 * 0015). Stored as JSON on the workflow; fields left out take their defaults, so a policy
 * written by an older Strata still reads.
 */
import { COMPATIBILITY_MODES } from "./definition/schema-compat.js";
import type { CompatibilityMode } from "./definition/schema-compat.js";
import { StrataError } from "./errors.js";

/** Whether publishing needs approvals, and how many (from different people). */
export interface ReviewPolicy {
  required: boolean;
  /** Approvals of the published revision a publish needs, 1 to 5 (when `required`). */
  approvals: number;
}

/** A workflow's policy. */
export interface WorkflowPolicy {
  /** `backward` (the default), `forward`, `full` or `none`. */
  compatibility: CompatibilityMode;
  review: ReviewPolicy;
}

/** A change to a policy: what it names changes, the rest stays. */
export interface PolicyChange {
  compatibility?: CompatibilityMode;
  review?: { required: boolean; approvals?: number };
}

/** The most approvals a policy may ask for. */
export const MAX_APPROVALS = 5;

/** The policy of a workflow that never set one. */
export const DEFAULT_POLICY: WorkflowPolicy = {
  compatibility: "backward",
  review: { required: false, approvals: 1 },
};

/** Reads the stored JSON, with defaults for what it leaves out. */
export function readPolicy(text: string): WorkflowPolicy {
  const stored = JSON.parse(text) as {
    compatibility?: unknown;
    review?: { required?: unknown; approvals?: unknown };
  };
  const approvals = stored.review?.approvals;
  return {
    compatibility: COMPATIBILITY_MODES.includes(stored.compatibility as CompatibilityMode)
      ? (stored.compatibility as CompatibilityMode)
      : DEFAULT_POLICY.compatibility,
    review: {
      required: stored.review?.required === true,
      approvals: isApprovals(approvals) ? approvals : DEFAULT_POLICY.review.approvals,
    },
  };
}

/** Checks a change to the policy; returns the policy it leads to. */
export function changePolicy(current: WorkflowPolicy, change: PolicyChange): WorkflowPolicy {
  const compatibility = change.compatibility ?? current.compatibility;
  if (!COMPATIBILITY_MODES.includes(compatibility)) {
    throw new StrataError(
      "validation_failed",
      `compatibility must be one of ${COMPATIBILITY_MODES.join(", ")}, not ${String(compatibility)}`,
    );
  }
  let review = current.review;
  if (change.review !== undefined) {
    const approvals = change.review.approvals ?? current.review.approvals;
    if (!isApprovals(approvals)) {
      throw new StrataError(
        "validation_failed",
        `approvals must be a whole number from 1 to ${MAX_APPROVALS}, not ${String(approvals)}`,
      );
    }
    review = { required: change.review.required, approvals };
  }
  return { compatibility, review };
}

function isApprovals(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_APPROVALS;
}
