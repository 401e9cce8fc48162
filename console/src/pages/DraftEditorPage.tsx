/**
 * The draft editor (DESIGN.md §7, L4–L7): the workflow's one draft as YAML text, parsed in the
 * browser while it is typed (the graph previews what parses; a syntax error shows with its
 * line), saved with the revision it was loaded at (If-Match, L5) so two editors never
 * overwrite each other, validated by the server (a draft may be invalid while edited), test
 * runs with their path on the graph, revert, discard, its review (ADR 0015), and publish.
 */
import { useState } from "react";
import type { Draft, Run, Workflow } from "../../../src/core/model";
import { ApiError, call, segment } from "../api";
import { DefinitionGraph } from "../components/DefinitionGraph";
import { DraftPublish } from "../components/DraftPublish";
import { DraftReview } from "../components/DraftReview";
import { DraftTestRun, runMarks } from "../components/DraftTestRun";
import { ErrorNote } from "../components/ErrorNote";
import { ProblemList } from "../components/ProblemList";
import { When } from "../components/When";
import { definitionText, parseDefinitionText } from "../definition-text";
import type { ParsedText } from "../definition-text";
import { hrefOf } from "../route";
import { useApi } from "../use-api";
import { useAction } from "../use-action";
import "./draft.css";

/** What the page loads: the workflow, and its draft when it has one. */
interface DraftData {
  workflow: Workflow;
  draft: Draft | null;
}

export function DraftEditorPage({ workflowKey }: { workflowKey: string }) {
  const base = `/v1/workflows/${segment(workflowKey)}`;
  const { data, error, reload } = useApi(`draft:${workflowKey}`, async () => {
    const workflow = await call<Workflow>("GET", base);
    const draft =
      workflow.draftRevision === null ? null : await call<Draft>("GET", `${base}/draft`);
    return { workflow, draft } satisfies DraftData;
  });
  const [notice, setNotice] = useState<string | null>(null);
  const open = useAction();

  const workflowLink = (
    <a href={hrefOf({ page: "workflow", key: workflowKey, version: null })}>{workflowKey}</a>
  );
  if (data === undefined) {
    return (
      <section className="draft-editor">
        <h1>Draft of {workflowLink}</h1>
        <ErrorNote error={error} />
      </section>
    );
  }
  const { workflow, draft } = data;
  if (draft === null) {
    return (
      <section className="draft-editor">
        <h1>Draft of {workflowLink}</h1>
        {notice !== null && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <div className="card">
          <p>
            {workflow.key} has no draft. Open one to edit the workflow: it starts as a copy of the
            live version
            {workflow.liveVersion === null ? "" : ` (v${workflow.liveVersion})`}.
          </p>
          <button
            type="button"
            disabled={open.busy}
            onClick={() =>
              open.run("Open a draft", async () => {
                await call<Draft>("POST", `${base}/draft`);
                setNotice(null);
                reload();
                return null;
              })
            }
          >
            Open a draft
          </button>
          <ErrorNote error={open.error} />
        </div>
      </section>
    );
  }
  return (
    <DraftEditor
      key={draft.id}
      base={base}
      workflow={workflow}
      initial={draft}
      onGone={(message) => {
        setNotice(message);
        reload();
      }}
    />
  );
}

interface EditorProps {
  base: string;
  workflow: Workflow;
  /** The draft as loaded. */
  initial: Draft;
  /** Called once the draft is gone (discarded here or elsewhere), with what to say. */
  onGone: (message: string) => void;
}

/** The text being edited, what it parses to, and the last definition that parsed. */
interface TextState {
  text: string;
  parsed: ParsedText;
  preview: unknown;
}

function textState(text: string, previous: unknown): TextState {
  const parsed = parseDefinitionText(text);
  return { text, parsed, preview: parsed.ok ? parsed.definition : previous };
}

function DraftEditor({ base, workflow, initial, onGone }: EditorProps) {
  /** The draft as last loaded or saved: its revision is the one a save or publish names. */
  const [saved, setSaved] = useState(initial);
  const [savedText, setSavedText] = useState(() => definitionText(initial.definition));
  const [editing, setEditing] = useState(() => textState(savedText, initial.definition));
  const [stale, setStale] = useState(false);
  const [run, setRun] = useState<Run | null>(null);
  const action = useAction();
  const dirty = editing.text !== savedText;
  const ifMatch = { "if-match": `"${saved.revision}"` };

  /** Shows `draft` as saved, its text in the editor. */
  const show = (draft: Draft): void => {
    const text = definitionText(draft.definition);
    setSaved(draft);
    setSavedText(text);
    setEditing(textState(text, draft.definition));
    setStale(false);
  };
  /**
   * Puts the saved text back in the editor. A stale revision stays stale (and Save disabled)
   * until the draft is reloaded: undoing an edit does not make the loaded revision the latest.
   */
  const undo = (): void => setEditing(textState(savedText, saved.definition));
  /** Keeps a refusal thrown; a stale revision also offers to reload. */
  const refused = (thrown: unknown): never => {
    if (thrown instanceof ApiError && thrown.code === "revision_mismatch") setStale(true);
    throw thrown;
  };

  const save = (): void => {
    const { parsed, text } = editing;
    if (!parsed.ok) return;
    action.run("Save", async () => {
      const draft = await call<Draft>(
        "PUT",
        `${base}/draft`,
        { definition: parsed.definition },
        ifMatch,
      ).catch(refused);
      setSaved(draft);
      setSavedText(text);
      const count = draft.problems.length;
      return `Saved revision ${draft.revision}${count === 0 ? "." : `, with ${count} problem(s) to fix before publishing.`}`;
    });
  };
  const reloadDraft = (): void =>
    action.run("Reload", async () => {
      try {
        show(await call<Draft>("GET", `${base}/draft`));
      } catch (thrown) {
        if (thrown instanceof ApiError && thrown.code === "not_found") {
          onGone("The draft was discarded meanwhile.");
          return null;
        }
        throw thrown;
      }
      return null;
    });
  const revert = (): void =>
    action.run("Revert", async () => {
      const live = workflow.liveVersion === null ? "the live version" : `v${workflow.liveVersion}`;
      if (!window.confirm(`Reset the draft to ${live}? Its changes are lost.`)) return null;
      const draft = await call<Draft>("POST", `${base}/draft/revert`, undefined, ifMatch).catch(
        refused,
      );
      show(draft);
      return `Reverted to ${live}: revision ${draft.revision}.`;
    });
  const discard = (): void =>
    action.run("Discard", async () => {
      if (!window.confirm(`Discard the draft of ${workflow.key}? Its changes are lost.`)) {
        return null;
      }
      await call("DELETE", `${base}/draft`, undefined, ifMatch).catch(refused);
      onGone(`Discarded the draft of ${workflow.key}.`);
      return null;
    });

  const { parsed } = editing;
  return (
    <section className="draft-editor">
      <h1>
        Draft of{" "}
        <a href={hrefOf({ page: "workflow", key: workflow.key, version: null })}>{workflow.key}</a>{" "}
        <span className="badge draft" data-testid="revision">
          revision {saved.revision}
        </span>
      </h1>
      <p className="subtitle">
        {saved.baseVersion === null ? "new" : `opened from v${saved.baseVersion}`} · becomes v
        {saved.nextNumber} · last edited by {saved.lastEditedBy} <When at={saved.updatedAt} />
        {workflow.liveVersion !== null && (
          <>
            {" "}
            ·{" "}
            <a
              href={hrefOf({
                page: "diff",
                key: workflow.key,
                from: workflow.liveVersion,
                to: "draft",
              })}
            >
              Diff of the saved draft against live v{workflow.liveVersion}
            </a>
          </>
        )}
      </p>
      {stale && (
        <div className="card stale" data-testid="stale">
          <p>
            Revision {saved.revision}, which this page loaded, is no longer the draft&apos;s latest:
            someone saved it since. Saving here would overwrite their change, so the server refused
            (<code>revision_mismatch</code>). Reload the draft to see theirs; your text here is
            replaced, so copy it first to keep it.
          </p>
          <button type="button" disabled={action.busy} onClick={reloadDraft}>
            Reload the draft
          </button>
        </div>
      )}
      <div className="draft-panes">
        <div className="card">
          <h2>Definition</h2>
          <label htmlFor="definition-text">YAML (JSON works too)</label>
          <textarea
            id="definition-text"
            className="code"
            rows={28}
            spellCheck={false}
            value={editing.text}
            onChange={(event) => setEditing(textState(event.target.value, editing.preview))}
          />
          <div className="edit-state" aria-live="polite">
            {parsed.ok ? (
              <span className="muted">
                {dirty
                  ? "Unsaved changes; the text parses."
                  : `Saved as revision ${saved.revision}.`}
              </span>
            ) : (
              <ul className="syntax-errors" data-testid="syntax-error">
                {parsed.errors.map((problem, index) => (
                  <li key={index} className="error">
                    {problem.line === null
                      ? ""
                      : `Line ${problem.line}, column ${problem.column ?? "?"}: `}
                    {problem.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div className="controls">
            <button
              type="button"
              disabled={action.busy || !parsed.ok || !dirty || stale}
              onClick={save}
            >
              Save
            </button>
            <button type="button" disabled={action.busy || !dirty} onClick={undo}>
              Undo my changes
            </button>
            <button type="button" disabled={action.busy} onClick={revert}>
              Revert to live
            </button>
            <button type="button" className="danger" disabled={action.busy} onClick={discard}>
              Discard the draft
            </button>
          </div>
          <ErrorNote error={action.error} />
          {action.notice !== null && (
            <p className="notice" role="status">
              {action.notice}
            </p>
          )}
          <h3>Problems in revision {saved.revision}</h3>
          {saved.problems.length === 0 ? (
            <p className="muted" data-testid="no-problems">
              None: the server finds revision {saved.revision} valid.
            </p>
          ) : (
            <ProblemList problems={saved.problems} />
          )}
        </div>
        <div className="card">
          <h2>Graph</h2>
          {!parsed.ok && (
            <p className="hint">The last text that parsed, until the syntax is fixed.</p>
          )}
          <DefinitionGraph definition={editing.preview} marks={runMarks(run)} />
        </div>
      </div>
      <DraftTestRun base={base} revision={saved.revision} dirty={dirty} run={run} onRun={setRun} />
      <DraftReview
        base={base}
        liveVersion={workflow.liveVersion}
        draft={saved}
        dirty={dirty}
        onReviewed={(draft) => {
          // Only the review moved, if the draft is still the revision this page holds; if
          // someone saved meanwhile, this page's revision is stale (and its text not theirs).
          if (draft.revision === saved.revision) setSaved({ ...saved, review: draft.review });
          else setStale(true);
        }}
      />
      <DraftPublish
        base={base}
        workflowKey={workflow.key}
        draft={saved}
        dirty={dirty}
        onStale={() => setStale(true)}
      />
    </section>
  );
}
