/**
 * The draft's review (issue 18, ADR 0015): where it stands under the workflow's policy, the
 * change against the live version a reviewer approves, the reviews so far, and asking for,
 * giving or refusing an approval of the saved revision with a note. The server decides who
 * may: an editor asks, a reviewer (or publisher, admin) who did not edit the draft approves or
 * rejects; a refusal shows with its code (`forbidden`, `self_approval`, `revision_mismatch`).
 */
import { useState } from "react";
import type { Draft, Review, ReviewDecision } from "../../../src/core/model";
import { call } from "../api";
import { useApi } from "../use-api";
import { useAction } from "../use-action";
import { DiffSummary } from "./DiffChanges";
import type { VersionDiff } from "./DiffChanges";
import { ErrorNote } from "./ErrorNote";
import { When } from "./When";

interface Props {
  /** `/v1/workflows/{wf}`. */
  base: string;
  /** The live version, which the diff compares with (none for a workflow never published). */
  liveVersion: number | null;
  /** The draft as last saved or loaded: its revision is the one reviews name. */
  draft: Draft;
  /** Whether the editor holds changes not saved yet (those are not what is reviewed). */
  dirty: boolean;
  /** Called with the draft as it stands after a review (its `review` brought up to date). */
  onReviewed: (draft: Draft) => void;
}

/** What the page says once a decision is recorded. */
const DONE: Record<ReviewDecision, (revision: number) => string> = {
  request: (revision) => `You asked for a review of revision ${revision}.`,
  approve: (revision) => `You approved revision ${revision}.`,
  reject: (revision) => `You rejected revision ${revision}.`,
};

export function DraftReview({ base, liveVersion, draft, dirty, onReviewed }: Props) {
  const { review } = draft;
  const [note, setNote] = useState("");
  const action = useAction();
  const reviews = useApi(`reviews:${base}:${draft.revision}:${draft.updatedAt}`, () =>
    call<Review[]>("GET", `${base}/draft/reviews`),
  );
  const diff = useApi(`review-diff:${base}:${draft.revision}:${liveVersion ?? "none"}`, () =>
    liveVersion === null
      ? Promise.resolve(null)
      : call<VersionDiff>("GET", `${base}/diff?from=live&to=draft`),
  );

  const decide = (decision: ReviewDecision): void =>
    action.run(decision, async () => {
      const body = {
        decision,
        revision: draft.revision,
        ...(note.trim() === "" ? {} : { note: note.trim() }),
      };
      await call<Review>("POST", `${base}/draft/reviews`, body);
      onReviewed(await call<Draft>("GET", `${base}/draft`));
      reviews.reload();
      setNote("");
      return DONE[decision](draft.revision);
    });

  const needed = `${review.approvals} approval${review.approvals === 1 ? "" : "s"}`;
  return (
    <div className="card review" data-testid="review">
      <h2>Review</h2>
      <p data-testid="review-state">
        {review.required
          ? `Publishing needs ${needed} of revision ${review.revision} from someone who did not edit the draft: it has ${review.approvedBy.length}.`
          : `Review is not required for this workflow; approvals of revision ${review.revision} are still recorded on the version.`}
      </p>
      {review.blocked !== null && (
        <p className="error" data-testid="review-blocked">
          <code>{review.blocked.code}</code> {review.blocked.message}
        </p>
      )}
      <ul className="review-facts">
        <li>
          Approved by:{" "}
          {review.approvedBy.length === 0
            ? "nobody yet"
            : review.approvedBy.map((a) => a.actor).join(", ")}
        </li>
        {review.rejectedBy.length > 0 && (
          <li className="error">
            Rejected by:{" "}
            {review.rejectedBy
              .map((r) => (r.note === null ? r.actor : `${r.actor} (“${r.note}”)`))
              .join(", ")}
          </li>
        )}
        {review.staleApprovals > 0 && (
          <li className="muted">
            {review.staleApprovals} approval(s) of an earlier revision no longer count.
          </li>
        )}
        <li className="muted">
          Edited by {review.editors.join(", ")}, who may not approve it: an approval comes from
          someone else.
        </li>
      </ul>
      <h3>
        What is reviewed: revision {draft.revision} against{" "}
        {liveVersion === null ? "nothing (never published)" : `live v${liveVersion}`}
      </h3>
      {diff.data !== undefined && diff.data !== null && <DiffSummary diff={diff.data} />}
      {liveVersion === null && <p className="muted">The whole definition is new.</p>}
      <ErrorNote error={diff.error} />
      <label htmlFor="review-note">Note</label>
      <textarea
        id="review-note"
        rows={2}
        maxLength={2000}
        value={note}
        placeholder="what you looked at, or what to change (a rejection needs one)"
        onChange={(event) => setNote(event.target.value)}
      />
      {dirty && <p className="hint">Save your changes first: reviews are of the saved revision.</p>}
      <div className="controls">
        <button type="button" disabled={action.busy || dirty} onClick={() => decide("request")}>
          Ask for review
        </button>
        <button type="button" disabled={action.busy || dirty} onClick={() => decide("approve")}>
          Approve revision {draft.revision}
        </button>
        <button
          type="button"
          className="danger"
          disabled={action.busy || dirty || note.trim() === ""}
          onClick={() => decide("reject")}
        >
          Reject revision {draft.revision}
        </button>
      </div>
      <ErrorNote error={action.error} />
      {action.notice !== null && (
        <p className="notice" role="status">
          {action.notice}
        </p>
      )}
      <h3>Reviews of this draft</h3>
      <ErrorNote error={reviews.error} />
      {reviews.data !== undefined && reviews.data.length === 0 && (
        <p className="muted">None yet.</p>
      )}
      {reviews.data !== undefined && reviews.data.length > 0 && (
        <table data-testid="review-list">
          <thead>
            <tr>
              <th>When</th>
              <th>Revision</th>
              <th>Decision</th>
              <th>By</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody>
            {reviews.data.map((entry) => (
              <tr key={entry.id} className={entry.stale ? "muted" : undefined}>
                <td>
                  <When at={entry.at} />
                </td>
                <td>
                  {entry.revision}
                  {entry.stale ? " (stale)" : ""}
                </td>
                <td>{entry.decision}</td>
                <td>{entry.actor}</td>
                <td>{entry.note ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
