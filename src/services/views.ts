/** Maps stored rows to the public objects of DESIGN.md §7, computing derived facts. */
import { validateDefinition } from "../core/definition/index.js";
import { versionState } from "../core/lifecycle.js";
import { readPolicy } from "../core/policy.js";
import { OPEN_RUN_STATUSES } from "../core/model.js";
import type {
  Approval,
  Draft,
  ReviewState,
  RunCounts,
  RunKind,
  RunStatus,
  Version,
  Workflow,
} from "../core/model.js";
import { draftEditors, reviewState } from "../core/review.js";
import { listReviewRows, toReview } from "../store/review-rows.js";
import type { ReviewRow } from "../store/review-rows.js";
import type { VersionRow } from "../store/version-rows.js";
import { countRunsByVersion } from "../store/run-counts.js";
import { findDraft, findVersionByNumber } from "../store/version-rows.js";
import { findLiveVersionId, listWorkflowSummaries } from "../store/workflow-rows.js";
import type { Executor, WorkflowRow, WorkflowSummaryRow } from "../store/workflow-rows.js";

/** A workflow row with its computed facts, as the public object. */
export function toWorkflow(row: WorkflowSummaryRow): Workflow {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    status: row.status,
    liveVersion: nullableNumber(row.live_number),
    latestVersion: nullableNumber(row.latest_number),
    draftRevision: nullableNumber(row.draft_revision),
    policy: readPolicy(row.policy),
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
  };
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** Run counts per version id, read in one query. */
export async function loadRunCounts(
  q: Executor,
  tenantId: string,
  versionIds: readonly string[],
): Promise<Map<string, RunCounts>> {
  const counts = new Map<string, RunCounts>();
  for (const row of await countRunsByVersion(q, tenantId, versionIds)) {
    const entry = counts.get(row.version_id) ?? { production: {}, test: {} };
    entry[row.kind as RunKind][row.status as RunStatus] = row.count;
    counts.set(row.version_id, entry);
  }
  return counts;
}

/** A version row as the public object. */
export function toVersion(
  row: VersionRow,
  liveVersionId: string | null,
  counts?: RunCounts,
): Version {
  const runCounts = counts ?? { production: {}, test: {} };
  const openRuns = countOpen(runCounts);
  return {
    id: row.id,
    workflowId: row.workflow_id,
    number: row.number,
    state: versionState({ publishedAt: row.published_at, retiredAt: row.retired_at }),
    live: row.id === liveVersionId,
    definition: JSON.parse(row.definition) as unknown,
    hash: row.hash,
    description: row.description,
    summary: row.summary,
    baseVersion: row.base_number,
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
    lastEditedBy: row.last_edited_by,
    publishedAt: row.published_at,
    retiredAt: row.retired_at,
    runCounts,
    openRuns,
    drained: openRuns === 0,
    approvedBy: row.approved_by === null ? [] : (JSON.parse(row.approved_by) as Approval[]),
  };
}

function countOpen(counts: RunCounts): number {
  let open = 0;
  for (const kind of ["production", "test"] as const) {
    for (const status of OPEN_RUN_STATUSES) open += counts[kind][status] ?? 0;
  }
  return open;
}

/** A draft row as the public object, with its validation problems, next number and review. */
export function toDraft(
  row: VersionRow,
  workflow: DraftWorkflow,
  reviews: readonly ReviewRow[],
  counts?: RunCounts,
): Draft {
  const version = toVersion(row, null, counts);
  return {
    ...version,
    revision: row.revision,
    nextNumber: workflow.last_number + 1,
    problems: validateDefinition(version.definition),
    review: draftReviewState(row, workflow, reviews),
  };
}

/** What a draft's view needs of its workflow. */
export type DraftWorkflow = Pick<WorkflowRow, "key" | "policy" | "last_number">;

/** Where a draft's review stands under its workflow's policy (ADR 0015). */
export function draftReviewState(
  row: VersionRow,
  workflow: Pick<WorkflowRow, "key" | "policy">,
  reviews: readonly ReviewRow[],
): ReviewState {
  return reviewState(
    readPolicy(workflow.policy).review,
    { workflowKey: workflow.key, revision: row.revision, editors: draftEditors(row) },
    reviews.map((review) => toReview(review, row.revision)),
  );
}

/** Reads one workflow's public view (inside a transaction, it shows that transaction's state). */
export async function loadWorkflow(
  q: Executor,
  tenantId: string,
  workflowId: string,
): Promise<Workflow | undefined> {
  const [summary] = await listWorkflowSummaries(q, tenantId, { ids: [workflowId] });
  return summary === undefined ? undefined : toWorkflow(summary);
}

/** Reads one numbered version's public view. */
export async function loadVersion(
  q: Executor,
  tenantId: string,
  workflowId: string,
  number: number,
): Promise<Version | undefined> {
  const row = await findVersionByNumber(q, tenantId, workflowId, number);
  if (row === undefined) return undefined;
  const liveId = await findLiveVersionId(q, tenantId, workflowId);
  const counts = await loadRunCounts(q, tenantId, [row.id]);
  return toVersion(row, liveId, counts.get(row.id));
}

/** Reads a workflow's draft view, if it has a draft. */
export async function loadDraft(
  q: Executor,
  tenantId: string,
  workflowId: string,
): Promise<Draft | undefined> {
  const workflow = await q
    .selectFrom("workflows")
    .select(["key", "policy", "last_number"])
    .where("tenant_id", "=", tenantId)
    .where("id", "=", workflowId)
    .executeTakeFirst();
  const row = await findDraft(q, tenantId, workflowId);
  if (workflow === undefined || row === undefined) return undefined;
  return toDraft(row, workflow, await listReviewRows(q, tenantId, row.id));
}
