/**
 * Reviews of the draft (DESIGN.md §10, issue 18, ADR 0015): a request for review, an approval
 * or a rejection of one revision. Whether a publish needs them is the workflow's policy; the
 * gate itself is in ../core/review.ts and the publish checks it.
 */
import { StrataError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import type { Review, ReviewDecision } from "../core/model.js";
import { APPROVING_ROLES, draftEditors, editedBy } from "../core/review.js";
import { appendAuditEvent } from "../store/audit-rows.js";
import { insertReview, listReviewRows, nextReviewSeq, toReview } from "../store/review-rows.js";
import { findDraft } from "../store/version-rows.js";
import { runChange } from "./deps.js";
import type { CallContext, ServiceDeps } from "./deps.js";
import type { DraftService } from "./draft-service.js";
import { noDraft, revisionMismatch } from "./draft-service.js";
import { requireWorkflow } from "./workflow-service.js";

/** The decisions, as the API and the CLI name them. */
export const REVIEW_DECISIONS: readonly ReviewDecision[] = ["request", "approve", "reject"];

/** The longest note a review keeps. */
export const MAX_REVIEW_NOTE = 2000;

/** A review to record. */
export interface ReviewInput {
  decision: ReviewDecision;
  /** The draft revision reviewed: it must be the draft's current one. */
  revision: number;
  /** Why (required for a rejection). */
  note?: string;
}

/** The audit action of each decision. */
const ACTIONS: Record<ReviewDecision, string> = {
  request: "review.requested",
  approve: "review.approved",
  reject: "review.rejected",
};

/** Review operations. */
export class ReviewService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly drafts: DraftService,
  ) {}

  /** The draft's reviews, oldest first; those of earlier revisions are marked `stale`. */
  async list(ctx: CallContext, ref: string): Promise<Review[]> {
    const db = this.deps.store.db;
    const workflow = await requireWorkflow(db, ctx.tenantId, ref);
    const draft = await findDraft(db, ctx.tenantId, workflow.id);
    if (draft === undefined) throw noDraft(workflow.key);
    const rows = await listReviewRows(db, ctx.tenantId, draft.id);
    return rows.map((row) => toReview(row, draft.revision));
  }

  /**
   * Records a review of the draft's current revision. An approval from someone who edited the
   * draft since it was opened is refused (`self_approval`); a rejection needs a note.
   */
  async add(ctx: CallContext, ref: string, input: ReviewInput): Promise<Review> {
    if (!REVIEW_DECISIONS.includes(input.decision)) {
      throw new StrataError(
        "validation_failed",
        `decision must be one of ${REVIEW_DECISIONS.join(", ")}, not ${JSON.stringify(input.decision)}`,
      );
    }
    if (!Number.isInteger(input.revision) || input.revision < 1) {
      throw new StrataError(
        "validation_failed",
        "name the draft revision you reviewed (a whole number from 1): `strata draft show` prints it",
      );
    }
    const note = checkNote(input.decision, input.note);
    return runChange(this.deps, async (trx, now) => {
      const { workflow, draft } = await this.drafts.lockDraft(trx, ctx, ref, undefined);
      if (input.revision !== draft.revision) throw revisionMismatch(input.revision, draft.revision);
      const editors = draftEditors(draft);
      if (input.decision === "approve" && editedBy(editors, ctx)) {
        throw new StrataError(
          "self_approval",
          `${ctx.actor} edited this draft of ${workflow.key}, so cannot approve it: an approval must ` +
            `come from ${APPROVING_ROLES} who did not edit it (editors: ${editors.join(", ")})`,
          { details: { actor: ctx.actor, editors } },
        );
      }
      const id = newId("rvw");
      const row = {
        tenant_id: ctx.tenantId,
        id,
        workflow_id: workflow.id,
        version_id: draft.id,
        seq: await nextReviewSeq(trx, ctx.tenantId, draft.id),
        revision: draft.revision,
        decision: input.decision,
        actor: ctx.actor,
        actor_token_id: ctx.actorTokenId ?? null,
        note,
        at: now,
      };
      await insertReview(trx, row);
      await appendAuditEvent(trx, this.deps.store.dialect, {
        tenantId: ctx.tenantId,
        actor: ctx.actor,
        actorTokenId: ctx.actorTokenId ?? null,
        action: ACTIONS[input.decision],
        workflowId: workflow.id,
        subjectId: draft.id,
        at: now,
        after: { review: id, revision: draft.revision, hash: draft.hash, note },
      });
      return toReview(row, draft.revision);
    });
  }
}

function checkNote(decision: ReviewDecision, given: string | undefined): string | null {
  const note = given?.trim() ?? "";
  if (note.length > MAX_REVIEW_NOTE) {
    throw new StrataError(
      "validation_failed",
      `a review's note is at most ${MAX_REVIEW_NOTE} characters; this one has ${note.length}`,
    );
  }
  if (decision === "reject" && note === "") {
    throw new StrataError(
      "validation_failed",
      "a rejection needs a note that says what to change (--note), so the author can answer it",
    );
  }
  return note === "" ? null : note;
}
