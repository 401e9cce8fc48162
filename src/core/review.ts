/**
 * The review gate before publish (DESIGN.md §10, issue 18, ADR 0015), as pure functions of a
 * draft's reviews: who approved its current revision, who rejected it, and whether a publish
 * now would pass. The services read the reviews and the policy; this decides.
 */
import type { ReviewPolicy } from "./policy.js";
import type { Approval, Review, ReviewState } from "./model.js";

/** The roles that may approve or reject, weakest first (see ./roles.ts). */
export const APPROVING_ROLES = "a reviewer, publisher or admin";

/** The draft as the gate sees it. */
export interface ReviewedDraft {
  workflowKey: string;
  revision: number;
  /** Who edited it since it was opened. */
  editors: readonly string[];
}

/**
 * Where `draft`'s review stands under `policy`, given its reviews (any order). Each person's
 * latest approval or rejection of the current revision counts (by `seq`, the order given); an approval by someone who
 * edited the draft never does. A rejection of the current revision blocks a publish that needs
 * review until a save makes a new revision.
 */
export function reviewState(
  policy: ReviewPolicy,
  draft: ReviewedDraft,
  reviews: readonly Review[],
): ReviewState {
  const latest = new Map<string, Review>();
  let staleApprovals = 0;
  for (const review of [...reviews].sort((a, b) => a.seq - b.seq)) {
    if (review.decision === "request") continue;
    if (review.revision !== draft.revision) {
      if (review.decision === "approve") staleApprovals++;
      continue;
    }
    latest.set(review.actor, review);
  }
  const approvedBy: Approval[] = [];
  const rejectedBy: Approval[] = [];
  for (const review of latest.values()) {
    const approval = { actor: review.actor, at: review.at, note: review.note };
    if (review.decision === "reject") rejectedBy.push(approval);
    else if (!editedBy(draft.editors, review)) approvedBy.push(approval);
  }
  const blocked = policy.required
    ? blockedBy(policy, draft, approvedBy, rejectedBy, staleApprovals)
    : null;
  return {
    required: policy.required,
    approvals: policy.approvals,
    revision: draft.revision,
    approvedBy,
    rejectedBy,
    staleApprovals,
    editors: [...draft.editors],
    publishable: blocked === null,
    blocked,
  };
}

function blockedBy(
  policy: ReviewPolicy,
  draft: ReviewedDraft,
  approvedBy: readonly Approval[],
  rejectedBy: readonly Approval[],
  staleApprovals: number,
): ReviewState["blocked"] {
  const { workflowKey: key, revision } = draft;
  const approve = `\`strata review approve ${key} --revision ${revision}\``;
  const who = `${APPROVING_ROLES} other than ${listOf(draft.editors)} (who edited this draft)`;
  if (rejectedBy.length > 0) {
    const notes = rejectedBy
      .map((r) => (r.note === null ? r.actor : `${r.actor} ("${r.note}")`))
      .join(", ");
    return {
      code: "approval_required",
      message:
        `revision ${revision} of ${key}'s draft was rejected by ${notes}; save a change that ` +
        `answers it and ask for review again, or have them approve it with ${approve}`,
    };
  }
  if (approvedBy.length >= policy.approvals) return null;
  const needed = `${policy.approvals} approval${policy.approvals === 1 ? "" : "s"}`;
  const has =
    approvedBy.length === 0
      ? "none"
      : `${approvedBy.length}, by ${listOf(approvedBy.map((a) => a.actor))}`;
  if (staleApprovals > 0) {
    return {
      code: "approval_stale",
      message:
        `publishing ${key} needs ${needed} of revision ${revision} (it has ${has}): the draft ` +
        `was saved after ${staleApprovals === 1 ? "an approval" : `${staleApprovals} approvals`} ` +
        `of an earlier revision; ask ${who} to review it again with ${approve}`,
    };
  }
  return {
    code: "approval_required",
    message:
      `publishing ${key} needs ${needed} of revision ${revision} (it has ${has}); ask ${who} ` +
      `to review it with ${approve}`,
  };
}

/** The editors a draft row records: its JSON list, or (rows older than reviews) its authors. */
export function draftEditors(row: {
  editors: string | null;
  created_by: string;
  last_edited_by: string;
}): string[] {
  if (row.editors !== null) return JSON.parse(row.editors) as string[];
  return row.created_by === row.last_edited_by
    ? [row.created_by]
    : [row.created_by, row.last_edited_by];
}

/** `editors` with `actor` added (once). */
export function withEditor(editors: readonly string[], actor: string): string[] {
  return editors.includes(actor) ? [...editors] : [...editors, actor];
}

/**
 * Whether an actor is among a draft's editors: by name, or by the token they speak with (an
 * edit made before tokens had names was recorded as `token:<id>`, and so was one made with a
 * token without a name).
 */
export function editedBy(
  editors: readonly string[],
  who: { actor: string; actorTokenId?: string | null },
): boolean {
  if (editors.includes(who.actor)) return true;
  return (
    who.actorTokenId !== undefined &&
    who.actorTokenId !== null &&
    editors.includes(`token:${who.actorTokenId}`)
  );
}

function listOf(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "nobody";
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1) ?? ""}`;
}
