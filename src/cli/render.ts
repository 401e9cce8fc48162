/**
 * The human forms of Strata's objects. The `key: value` blocks use the JSON field names, so what
 * a person reads is what a script gets with `--json`.
 */
import type { BundleVerdict } from "../core/audit-bundle.js";
import type { ChainVerdict } from "../core/audit-chain.js";
import type {
  Approval,
  AuditEvent,
  Draft,
  Review,
  ReviewState,
  RunCounts,
  Version,
  Workflow,
} from "../core/model.js";
import { GUARD_ACTOR } from "../services/rollout-service.js";
import { formatBlock, formatProblem, formatTable, indent, shortHash, shortTime } from "./output.js";

/** A workflow as a `key: value` block. */
export function renderWorkflow(workflow: Workflow): string {
  return formatBlock([
    ["key", workflow.key],
    ["id", workflow.id],
    ["name", workflow.name],
    ["status", workflow.status],
    ["liveVersion", workflow.liveVersion],
    ["latestVersion", workflow.latestVersion],
    ["draftRevision", workflow.draftRevision],
    // What publishes must keep (L7): `strata workflow policy` prints this block to confirm it.
    ["compatibility", workflow.policy.compatibility],
    [
      "review",
      workflow.policy.review.required
        ? `required: ${workflow.policy.review.approvals} approval${workflow.policy.review.approvals === 1 ? "" : "s"} of the published revision`
        : "not required",
    ],
    ["createdAt", workflow.createdAt],
    ["createdBy", workflow.createdBy],
    ["updatedAt", workflow.updatedAt],
  ]);
}

/** Workflows as a table, or a hint when there are none. */
export function renderWorkflowTable(workflows: readonly Workflow[]): string {
  if (workflows.length === 0)
    return "No workflows yet: create one with `strata workflow create <key>`.";
  return formatTable(
    ["KEY", "NAME", "STATUS", "LIVE", "LATEST", "DRAFT"],
    workflows.map((workflow) => [
      workflow.key,
      workflow.name,
      workflow.status,
      versionLabel(workflow.liveVersion),
      versionLabel(workflow.latestVersion),
      workflow.draftRevision === null ? null : `rev ${workflow.draftRevision}`,
    ]),
  );
}

/** A published or retired version as a block, its change summary indented below. */
export function renderVersion(version: Version): string {
  return [
    formatBlock([
      ["number", version.number],
      ["id", version.id],
      ["workflowId", version.workflowId],
      ["state", version.state],
      ["live", version.live ? "yes" : "no"],
      ["hash", version.hash],
      ["description", version.description],
      ["baseVersion", version.baseVersion],
      ["createdAt", version.createdAt],
      ["createdBy", version.createdBy],
      ["lastEditedBy", version.lastEditedBy],
      ["publishedAt", version.publishedAt],
      ["retiredAt", version.retiredAt],
      ["runCounts", describeRunCounts(version.runCounts)],
      ["openRuns", `${version.openRuns}${version.drained ? " (drained)" : ""}`],
      ["approvedBy", describeApprovals(version.approvedBy)],
    ]),
    "summary:",
    ...indent(summaryLines(version.summary)),
  ].join("\n");
}

/** The draft as a block, with its validation problems listed one per line with their path. */
export function renderDraft(draft: Draft): string {
  return [
    formatBlock([
      ["state", `draft (rev ${draft.revision} → v${draft.nextNumber})`],
      ["id", draft.id],
      ["workflowId", draft.workflowId],
      ["revision", draft.revision],
      ["nextNumber", draft.nextNumber],
      ["baseVersion", draft.baseVersion],
      ["hash", draft.hash],
      ["createdAt", draft.createdAt],
      ["createdBy", draft.createdBy],
      ["updatedAt", draft.updatedAt],
      ["lastEditedBy", draft.lastEditedBy],
      ["problems", draft.problems.length === 0 ? "none" : draft.problems.length],
      ["review", describeReview(draft.review)],
    ]),
    ...indent(draft.problems.map(formatProblem)),
    ...(draft.review.blocked === null ? [] : indent([draft.review.blocked.message])),
  ].join("\n");
}

/** Where a draft's review stands, in one line. */
export function describeReview(review: ReviewState): string {
  const approved =
    review.approvedBy.length === 0
      ? "no approvals"
      : `approved by ${review.approvedBy.map((a) => a.actor).join(", ")}`;
  const rejected =
    review.rejectedBy.length === 0
      ? ""
      : `, rejected by ${review.rejectedBy.map((a) => a.actor).join(", ")}`;
  const stale = review.staleApprovals === 0 ? "" : `, ${review.staleApprovals} stale`;
  const facts = `${approved} of rev ${review.revision}${rejected}${stale}`;
  if (!review.required) return `not required (${facts})`;
  return `${review.publishable ? "ready" : "blocked"}: ${review.approvedBy.length}/${review.approvals} (${facts})`;
}

/** A draft's reviews as a table, oldest first. */
export function renderReviewTable(reviews: readonly Review[]): string {
  if (reviews.length === 0)
    return "No reviews of this draft yet: ask with `strata review request <wf>`.";
  return formatTable(
    ["AT", "REVISION", "DECISION", "BY", "NOTE"],
    reviews.map((review) => [
      shortTime(review.at),
      review.stale ? `${review.revision} (stale)` : review.revision,
      review.decision,
      review.actor,
      review.note,
    ]),
  );
}

/** A review as a `key: value` block. */
export function renderReview(review: Review): string {
  return formatBlock([
    ["id", review.id],
    ["decision", review.decision],
    ["revision", review.revision],
    ["actor", review.actor],
    ["actorTokenId", review.actorTokenId],
    ["note", review.note],
    ["at", review.at],
  ]);
}

function describeApprovals(approvals: readonly Approval[]): string {
  return approvals.length === 0 ? "nobody" : approvals.map((a) => a.actor).join(", ");
}

/**
 * A workflow's history, the draft first: number, state, live, hash, when published and by
 * whom, who approved it, its runs (all kinds) and those still open (`drained` when none).
 */
export function renderVersionTable(versions: ReadonlyArray<Version | Draft>): string {
  return formatTable(
    [
      "NUMBER",
      "STATE",
      "LIVE",
      "HASH",
      "PUBLISHED",
      "BY",
      "APPROVED",
      "RUNS",
      "OPEN",
      "DESCRIPTION",
    ],
    versions.map((version) => [
      isDraft(version)
        ? `draft (rev ${version.revision} → v${version.nextNumber})`
        : version.number,
      version.state,
      version.live ? "yes" : "",
      shortHash(version.hash),
      shortTime(version.publishedAt),
      version.lastEditedBy,
      isDraft(version)
        ? version.review.approvedBy.map((a) => a.actor).join(", ")
        : version.approvedBy.map((a) => a.actor).join(", "),
      totalRuns(version.runCounts),
      version.drained ? "drained" : version.openRuns,
      version.description,
    ]),
  );
}

/** Audit events as a table; `workflowKeys` maps workflow ids to keys for the WORKFLOW column. */
export function renderAuditTable(
  events: readonly AuditEvent[],
  workflowKeys: ReadonlyMap<string, string>,
): string {
  if (events.length === 0) return "No audit events.";
  return formatTable(
    ["SEQ", "AT", "ACTOR", "ACTION", "WORKFLOW", "DETAIL"],
    events.map((event) => [
      event.seq,
      shortTime(event.at),
      event.actor,
      event.action,
      event.workflowId === null ? null : (workflowKeys.get(event.workflowId) ?? event.workflowId),
      describeEvent(event),
    ]),
  );
}

/** The verdict of an intact chain (a broken one is reported as the `audit_broken` error). */
export function renderVerdict(verdict: Extract<ChainVerdict, { ok: true }>): string {
  if (verdict.events === 0) return "audit chain intact: no events yet";
  return `audit chain intact: ${verdict.events} events, head #${verdict.headSeq} ${verdict.headHash}`;
}

/** What `audit export` reports about the bundle it wrote (its `--json` form too). */
export interface ExportSummary {
  /** The file written, as an absolute path. */
  path: string;
  format: string;
  tenantId: string;
  exportedAt: string;
  events: number;
  headSeq: number;
  headHash: string | null;
  /** How many definitions the bundle includes. */
  definitions: number;
  /** How many hashes the events name whose definitions were no longer stored. */
  missing: number;
}

/** The summary of a written bundle. */
export function renderExportSummary(summary: ExportSummary): string {
  return [
    `audit bundle written to ${summary.path}`,
    formatBlock([
      ["tenantId", summary.tenantId],
      ["events", summary.events],
      ["head", summary.headHash === null ? null : `#${summary.headSeq} ${summary.headHash}`],
      ["definitions", summary.definitions],
      [
        "missing",
        summary.missing === 0
          ? 0
          : `${summary.missing} (named by events but no longer stored; listed in the bundle)`,
      ],
    ]),
  ].join("\n");
}

/** The verdict of an intact bundle (a broken one is reported as the `audit_broken` error). */
export function renderBundleVerdict(verdict: Extract<BundleVerdict, { ok: true }>): string {
  const chain =
    verdict.events === 0
      ? "no events"
      : `${verdict.events} events, head #${verdict.headSeq} ${verdict.headHash}`;
  const missing = verdict.missing.length;
  return [
    `audit bundle intact: ${chain}`,
    formatBlock([
      ["tenantId", verdict.tenantId],
      ["exportedAt", verdict.exportedAt],
      ["definitions", `${verdict.definitions}, each matching its hash`],
      ["missing", missing === 0 ? 0 : `${missing}, not in the bundle and so not checked:`],
    ]),
    ...indent(verdict.missing),
  ].join("\n");
}

/** A short reading of an event's before/after, for the DETAIL column. */
export function describeEvent(event: AuditEvent): string {
  const before = fields(event.before);
  const after = fields(event.after);
  switch (event.action) {
    case "workflow.created":
      return `key ${String(after.key)}`;
    case "draft.opened":
      return typeof after.baseVersion === "number" ? `rev 1 from v${after.baseVersion}` : "rev 1";
    case "draft.saved":
    case "draft.reverted":
      return `rev ${String(before.revision)} → ${String(after.revision)}`;
    case "draft.discarded":
      return `rev ${String(before.revision)}`;
    case "version.published":
      return describePublish(after);
    case "version.retired":
    case "version.restored":
    case "version.deleted":
      return `v${String(before.number)}`;
    default:
      return describeRoutingEvent(event, before, after);
  }
}

/** Rollouts, rollbacks and bindings (DESIGN.md §3). */
function describeRoutingEvent(
  event: AuditEvent,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): string {
  const arms = `v${String(before.stableVersion)} → v${String(before.candidateVersion)}`;
  const reason = typeof after.reason === "string" ? `: ${after.reason}` : "";
  switch (event.action) {
    case "rollout.started":
      return `v${String(after.stableVersion)} → v${String(after.candidateVersion)} at ${String(after.percent)}%`;
    case "rollout.changed":
      return `${String(before.percent)}% → ${String(after.percent)}%`;
    case "rollout.stepped":
      return `${String(before.percent)}% → ${String(after.percent)}% (scheduled)`;
    case "rollout.promoted":
      return `${arms} promoted at ${String(before.percent)}%: v${String(after.liveVersion)} live`;
    case "rollout.aborted":
      return event.actor === GUARD_ACTOR
        ? `aborted by guard${reason}`
        : `${arms} aborted at ${String(before.percent)}%${reason}`;
    case "rollout.replaced":
    case "rollout.rolled_back":
      return `${arms} at ${String(before.percent)}% ended${reason}`;
    case "workflow.rolled_back": {
      const parts = [`to v${String(after.to)}`];
      if (typeof after.percent === "number" && after.percent < 100)
        parts.push(`at ${after.percent}%`);
      if (after.restored === true) parts.push("restored");
      return parts.join(", ");
    }
    case "binding.created":
      return `${String(after.name)}: ${describeBindingFields(after)}`;
    case "binding.updated":
      return describeBindingChange(before, after);
    case "binding.deleted":
      return String(before.name);
    default:
      return "";
  }
}

/** `selector live, event loan.submitted, cron 0 * * * *`. */
function describeBindingFields(fields: Record<string, unknown>): string {
  const parts = [`selector ${String(fields.selector)}`];
  if (typeof fields.event === "string") parts.push(`event ${fields.event}`);
  if (typeof fields.cron === "string") parts.push(`cron ${fields.cron}`);
  return parts.join(", ");
}

/** The settings that changed: `selector 1 → 2, event - → loan.submitted`. */
function describeBindingChange(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): string {
  const shown = (value: unknown): string =>
    typeof value === "string" || typeof value === "number" ? String(value) : "-";
  const changes = ["selector", "event", "cron", "timezone"]
    .filter((field) => shown(before[field]) !== shown(after[field]))
    .map((field) => `${field} ${shown(before[field])} → ${shown(after[field])}`);
  return changes.length === 0 ? "no setting changed" : changes.join(", ");
}

function describePublish(after: Record<string, unknown>): string {
  const parts = [`v${String(after.number)}`];
  if (after.live === true) parts.push("live");
  const rollout = fields(after.rollout);
  if (typeof rollout.percent === "number") parts.push(`rollout at ${rollout.percent}%`);
  const retired = Array.isArray(after.retired) ? (after.retired as unknown[]) : [];
  if (retired.length > 0) parts.push(`retired ${retired.map((n) => `v${String(n)}`).join(", ")}`);
  return parts.join(", ");
}

function fields(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function isDraft(version: Version | Draft): version is Draft {
  return version.state === "draft";
}

function versionLabel(number: number | null): string | null {
  return number === null ? null : `v${number}`;
}

function summaryLines(summary: string | null): string[] {
  return summary === null || summary === "" ? ["-"] : summary.split("\n");
}

/** `production: completed 3, waiting 1; test: completed 2`, or `none`. */
/** Every run of a version, production and test, in any status. */
function totalRuns(counts: RunCounts): number {
  let total = 0;
  for (const kind of ["production", "test"] as const)
    for (const count of Object.values(counts[kind])) total += count ?? 0;
  return total;
}

function describeRunCounts(counts: RunCounts): string {
  const parts = (["production", "test"] as const).flatMap((kind) => {
    const statuses = Object.entries(counts[kind]).filter(([, count]) => (count ?? 0) > 0);
    return statuses.length === 0
      ? []
      : [`${kind}: ${statuses.map(([status, count]) => `${status} ${count}`).join(", ")}`];
  });
  return parts.length === 0 ? "none" : parts.join("; ");
}
