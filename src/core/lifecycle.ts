/**
 * The version lifecycle rules of DESIGN.md §2 as pure checks: each takes the facts read in the
 * same transaction and throws the invariant's error code when the change is not allowed.
 */
import { StrataError } from "./errors.js";
import type { VersionState, WorkflowStatus } from "./model.js";

/** The timestamps a version's state is computed from. */
export interface VersionTimes {
  publishedAt: string | null;
  retiredAt: string | null;
}

/** A version's state from its two timestamps: never stored as a flag. */
export function versionState(times: VersionTimes): VersionState {
  if (times.publishedAt === null) return "draft";
  return times.retiredAt === null ? "published" : "retired";
}

/** What the retire check needs to know about a version. */
export interface RetireFacts extends VersionTimes {
  number: number;
  live: boolean;
  workflowStatus: WorkflowStatus;
}

/** L8: only published versions retire, and not the live one while the workflow is active. */
export function assertRetirable(facts: RetireFacts): void {
  const state = versionState(facts);
  if (state === "draft") {
    throw new StrataError("version_not_published", "a draft cannot be retired; discard it instead");
  }
  if (state === "retired") {
    throw new StrataError("version_retired", `version ${facts.number} is already retired`);
  }
  if (facts.live && facts.workflowStatus === "active") {
    throw new StrataError(
      "version_live",
      `version ${facts.number} is live; publish another version to replace it, or deactivate the workflow first`,
    );
  }
}

/** L9: only retired versions can be restored. */
export function assertRestorable(facts: VersionTimes & { number: number }): void {
  if (versionState(facts) !== "retired") {
    throw new StrataError(
      "version_not_retired",
      `version ${facts.number} is not retired; only retired versions can be restored`,
    );
  }
}

/** L10: only retired versions with no runs of either kind can be deleted. */
export function assertDeletable(facts: VersionTimes & { number: number; runs: number }): void {
  if (versionState(facts) !== "retired") {
    throw new StrataError(
      "version_not_retired",
      `version ${facts.number} is not retired; retire it before deleting it`,
    );
  }
  if (facts.runs > 0) {
    throw new StrataError(
      "version_has_runs",
      `version ${facts.number} has ${facts.runs} run(s); versions with runs are kept for history (retire is enough)`,
    );
  }
}

/** L11: production runs need an active workflow. */
export function assertAcceptsProductionRuns(key: string, status: WorkflowStatus): void {
  if (status !== "active") {
    throw new StrataError(
      "workflow_deactivated",
      `workflow ${key} is deactivated; activate it to start production runs (test runs still work)`,
    );
  }
}
