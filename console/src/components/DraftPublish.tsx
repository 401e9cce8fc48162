/**
 * Publishing the draft (L7): it names the saved revision (If-Match), so what was reviewed is
 * exactly what ships, and becomes the next version, live at once. The server's refusals are
 * shown with their code: `definition_invalid` with every problem, `no_changes`,
 * `schema_incompatible` (which `force` overrides), `rollout_in_progress`, `forbidden`,
 * `approval_required`… While the review blocks it (ADR 0015) the button says why and waits.
 */
import { useState } from "react";
import type { DefinitionProblemView, Draft, Version } from "../../../src/core/model";
import { ApiError, call } from "../api";
import { hrefOf } from "../route";
import { useAction } from "../use-action";
import { ErrorNote } from "./ErrorNote";
import { ProblemList, problemsOf } from "./ProblemList";

interface Props {
  /** `/v1/workflows/{wf}`. */
  base: string;
  workflowKey: string;
  /** The draft as last saved or loaded: its revision is what publishes. */
  draft: Draft;
  /** Whether the editor holds changes not saved yet. */
  dirty: boolean;
  /** Called when the revision is stale: someone saved the draft meanwhile. */
  onStale: () => void;
}

export function DraftPublish({ base, workflowKey, draft, dirty, onStale }: Props) {
  const [description, setDescription] = useState("");
  const [force, setForce] = useState(false);
  const [problems, setProblems] = useState<DefinitionProblemView[]>([]);
  const action = useAction();

  const publish = (): void =>
    action.run("Publish", async () => {
      setProblems([]);
      const body = {
        ...(description.trim() === "" ? {} : { description: description.trim() }),
        ...(force ? { force: true } : {}),
      };
      let version: Version;
      try {
        version = await call<Version>("POST", `${base}/draft/publish`, body, {
          "if-match": `"${draft.revision}"`,
        });
      } catch (thrown) {
        if (thrown instanceof ApiError && thrown.code === "definition_invalid") {
          setProblems(problemsOf(thrown.details));
        }
        if (thrown instanceof ApiError && thrown.code === "revision_mismatch") onStale();
        throw thrown;
      }
      window.location.hash = hrefOf({
        page: "workflow",
        key: workflowKey,
        version: version.number,
      });
      return `Published v${version.number ?? "?"}.`;
    });

  return (
    <div className="card publish">
      <h2>Publish</h2>
      <p className="hint">
        Publishes revision {draft.revision} as v{draft.nextNumber} and makes it live at once.
        {dirty && " Save your changes first: only the saved revision can be published."}
      </p>
      <label htmlFor="publish-description">Description</label>
      <input
        id="publish-description"
        maxLength={2000}
        value={description}
        placeholder="what changed and why"
        onChange={(event) => setDescription(event.target.value)}
      />
      <label className="check">
        <input
          type="checkbox"
          checked={force}
          onChange={(event) => setForce(event.target.checked)}
        />{" "}
        Publish an input-schema change the workflow&apos;s compatibility mode forbids (force)
      </label>
      {draft.review.blocked !== null && (
        <p className="hint" data-testid="publish-blocked">
          Publishing is blocked until the review allows it: {draft.review.blocked.message}
        </p>
      )}
      <div>
        <button
          type="button"
          disabled={action.busy || dirty || draft.review.blocked !== null}
          onClick={publish}
        >
          Publish revision {draft.revision} as v{draft.nextNumber}
        </button>
      </div>
      <ErrorNote error={action.error} />
      <ProblemList problems={problems} />
      {action.notice !== null && (
        <p className="notice" role="status">
          {action.notice}
        </p>
      )}
    </div>
  );
}
