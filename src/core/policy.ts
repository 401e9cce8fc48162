/**
 * A workflow's policy (DESIGN.md L7, §8): the input-schema compatibility mode its publishes
 * must keep. Stored as JSON on the workflow; fields left out take their defaults, so a policy
 * written by an older Strata still reads.
 */
import { COMPATIBILITY_MODES } from "./definition/schema-compat.js";
import type { CompatibilityMode } from "./definition/schema-compat.js";
import { StrataError } from "./errors.js";

/** A workflow's policy. */
export interface WorkflowPolicy {
  /** `backward` (the default), `forward`, `full` or `none`. */
  compatibility: CompatibilityMode;
}

/** The policy of a workflow that never set one. */
export const DEFAULT_POLICY: WorkflowPolicy = { compatibility: "backward" };

/** Reads the stored JSON, with defaults for what it leaves out. */
export function readPolicy(text: string): WorkflowPolicy {
  const stored = JSON.parse(text) as Partial<WorkflowPolicy>;
  return {
    compatibility: COMPATIBILITY_MODES.includes(stored.compatibility as CompatibilityMode)
      ? (stored.compatibility as CompatibilityMode)
      : DEFAULT_POLICY.compatibility,
  };
}

/** Checks a change to the policy; returns the policy it leads to. */
export function changePolicy(
  current: WorkflowPolicy,
  change: Partial<WorkflowPolicy>,
): WorkflowPolicy {
  const compatibility = change.compatibility ?? current.compatibility;
  if (!COMPATIBILITY_MODES.includes(compatibility)) {
    throw new StrataError(
      "validation_failed",
      `compatibility must be one of ${COMPATIBILITY_MODES.join(", ")}, not ${String(compatibility)}`,
    );
  }
  return { compatibility };
}
