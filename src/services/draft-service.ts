/** The workflow's one draft: open, show, save, revert, discard (DESIGN.md L1, L4–L6). */
import { hashDefinition } from "../core/definition/index.js";
import { STARTER_DEFINITION, storableDefinition } from "../core/definition-limits.js";
import { StrataError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import type { Draft } from "../core/model.js";
import { draftEditors, withEditor } from "../core/review.js";
import { appendAuditEvent } from "../store/audit-rows.js";
import { deleteReviews, listReviewRows } from "../store/review-rows.js";
import { resolveLatestVersion } from "../store/queries/resolve-latest-version.js";
import type { StoreTransaction } from "../store/store.js";
import {
  deleteRunsOfDraft,
  deleteVersionRow,
  findDraft,
  findVersionById,
  findVersionByNumber,
  hasPublishedVersions,
  insertDraft,
  updateDraftAtRevision,
} from "../store/version-rows.js";
import type { VersionRow } from "../store/version-rows.js";
import { findLiveVersionId } from "../store/workflow-rows.js";
import type { WorkflowRow } from "../store/workflow-rows.js";
import { runChange } from "./deps.js";
import type { CallContext, ServiceDeps } from "./deps.js";
import { loadDraft, toDraft } from "./views.js";
import { lockWorkflow, requireWorkflow } from "./workflow-service.js";

/** Options for opening a draft. */
export interface OpenDraftOptions {
  /** The version to copy; the live version (else LATEST) when omitted. */
  from?: number;
}

/** What a save takes: the new definition and the revision it edits (L5). */
export interface SaveDraftInput {
  definition: unknown;
  revision: number;
}

/** Draft operations. */
export class DraftService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Opens the draft, copying a version (L4); `draft_exists` if one is open (L1). */
  async open(ctx: CallContext, ref: string, options: OpenDraftOptions = {}): Promise<Draft> {
    return runChange(this.deps, async (trx, now) => {
      const workflow = await lockWorkflow(trx, this.deps, ctx, ref);
      if ((await findDraft(trx, ctx.tenantId, workflow.id)) !== undefined) {
        throw new StrataError(
          "draft_exists",
          `workflow ${workflow.key} already has a draft; edit it, or discard it first`,
        );
      }
      const base = await this.chooseBase(trx, ctx, workflow, options.from);
      const definition =
        base === null ? STARTER_DEFINITION : (JSON.parse(base.definition) as unknown);
      const draftId = newId("wflv");
      await insertDraft(trx, {
        tenantId: ctx.tenantId,
        id: draftId,
        workflowId: workflow.id,
        definition:
          base?.definition ?? storableDefinition(definition, this.deps.maxDefinitionBytes),
        hash: base?.hash ?? hashDefinition(definition),
        base,
        actor: ctx.actor,
        now,
      });
      await appendAuditEvent(trx, this.deps.store.dialect, {
        tenantId: ctx.tenantId,
        actor: ctx.actor,
        actorTokenId: ctx.actorTokenId ?? null,
        action: "draft.opened",
        workflowId: workflow.id,
        subjectId: draftId,
        at: now,
        after: {
          revision: 1,
          baseVersion: base?.number ?? null,
          hash: base?.hash ?? hashDefinition(definition),
        },
      });
      return this.viewIn(trx, ctx, workflow.id);
    });
  }

  /** The open draft with its validation problems; `not_found` when there is none. */
  async show(ctx: CallContext, ref: string): Promise<Draft> {
    // One snapshot: a save between reading the draft and its reviews would mix two states.
    return this.deps.store.readSnapshot(async (db) => {
      const workflow = await requireWorkflow(db, ctx.tenantId, ref);
      const draft = await findDraft(db, ctx.tenantId, workflow.id);
      if (draft === undefined) throw noDraft(workflow.key);
      return toDraft(draft, workflow, await listReviewRows(db, ctx.tenantId, draft.id));
    });
  }

  /** The draft as the current transaction leaves it: what a change returns. */
  private async viewIn(
    trx: StoreTransaction,
    ctx: CallContext,
    workflowId: string,
  ): Promise<Draft> {
    const draft = await loadDraft(trx, ctx.tenantId, workflowId);
    if (draft === undefined) throw new Error("the draft vanished inside its own transaction");
    return draft;
  }

  /** Saves a new definition, only if the draft is still at `revision` (L5). */
  async save(ctx: CallContext, ref: string, input: SaveDraftInput): Promise<Draft> {
    const text = storableDefinition(input.definition, this.deps.maxDefinitionBytes);
    const hash = hashDefinition(input.definition);
    return runChange(this.deps, async (trx, now) => {
      const { workflow, draft } = await this.lockDraft(trx, ctx, ref, input.revision);
      await this.edit(trx, ctx, draft, input.revision, {
        definition: text,
        hash,
        editedBy: ctx.actor,
        // Approvals of earlier revisions stay, stale: they no longer count (ADR 0015).
        editors: JSON.stringify(withEditor(draftEditors(draft), ctx.actor)),
        now,
      });
      await appendAuditEvent(trx, this.deps.store.dialect, {
        tenantId: ctx.tenantId,
        actor: ctx.actor,
        actorTokenId: ctx.actorTokenId ?? null,
        action: "draft.saved",
        workflowId: workflow.id,
        subjectId: draft.id,
        at: now,
        before: { revision: draft.revision, hash: draft.hash },
        after: { revision: draft.revision + 1, hash },
      });
      return this.viewIn(trx, ctx, workflow.id);
    });
  }

  /** Resets the draft to the live version's definition (L6, "Revert changes"). */
  async revert(ctx: CallContext, ref: string, options: { revision?: number } = {}): Promise<Draft> {
    return runChange(this.deps, async (trx, now) => {
      const { workflow, draft } = await this.lockDraft(trx, ctx, ref, options.revision);
      const liveId = await findLiveVersionId(trx, ctx.tenantId, workflow.id);
      const live = liveId === null ? undefined : await findVersionById(trx, ctx.tenantId, liveId);
      if (live === undefined) {
        throw new StrataError(
          "no_live_version",
          `workflow ${workflow.key} has no live version to revert to; discard the draft or open one from a version`,
        );
      }
      await this.edit(trx, ctx, draft, draft.revision, {
        definition: live.definition,
        hash: live.hash,
        baseVersionId: live.id,
        baseNumber: live.number,
        editedBy: ctx.actor,
        editors: JSON.stringify(withEditor(draftEditors(draft), ctx.actor)),
        now,
      });
      // Back to the live version: what was asked, approved or rejected is moot (ADR 0015).
      const reviewsDropped = await deleteReviews(trx, ctx.tenantId, draft.id);
      await appendAuditEvent(trx, this.deps.store.dialect, {
        tenantId: ctx.tenantId,
        actor: ctx.actor,
        actorTokenId: ctx.actorTokenId ?? null,
        action: "draft.reverted",
        workflowId: workflow.id,
        subjectId: draft.id,
        at: now,
        before: { revision: draft.revision, hash: draft.hash },
        after: {
          revision: draft.revision + 1,
          hash: live.hash,
          baseVersion: live.number,
          ...(reviewsDropped === 0 ? {} : { reviewsDropped }),
        },
      });
      return this.viewIn(trx, ctx, workflow.id);
    });
  }

  /** Deletes the draft; no published version is touched (L6). */
  async discard(ctx: CallContext, ref: string, options: { revision?: number } = {}): Promise<void> {
    await runChange(this.deps, async (trx, now) => {
      const { workflow, draft } = await this.lockDraft(trx, ctx, ref, options.revision);
      // A draft's runs are all tests of a definition that is going away: they go with it.
      const testRuns = await deleteRunsOfDraft(trx, ctx.tenantId, draft.id);
      const reviewsDropped = await deleteReviews(trx, ctx.tenantId, draft.id);
      await deleteVersionRow(trx, ctx.tenantId, draft.id);
      await appendAuditEvent(trx, this.deps.store.dialect, {
        tenantId: ctx.tenantId,
        actor: ctx.actor,
        actorTokenId: ctx.actorTokenId ?? null,
        action: "draft.discarded",
        workflowId: workflow.id,
        subjectId: draft.id,
        at: now,
        before: {
          revision: draft.revision,
          hash: draft.hash,
          baseVersion: draft.base_number,
          testRuns,
          ...(reviewsDropped === 0 ? {} : { reviewsDropped }),
        },
      });
    });
  }

  /** Locks the workflow and reads its draft, checking the revision when one is named. */
  async lockDraft(
    trx: StoreTransaction,
    ctx: CallContext,
    ref: string,
    revision: number | undefined,
  ): Promise<{ workflow: WorkflowRow; draft: VersionRow }> {
    const workflow = await lockWorkflow(trx, this.deps, ctx, ref);
    const draft = await findDraft(trx, ctx.tenantId, workflow.id);
    if (draft === undefined) throw noDraft(workflow.key);
    if (revision !== undefined && revision !== draft.revision)
      throw revisionMismatch(revision, draft.revision);
    return { workflow, draft };
  }

  private async edit(
    trx: StoreTransaction,
    ctx: CallContext,
    draft: VersionRow,
    revision: number,
    edit: Parameters<typeof updateDraftAtRevision>[4],
  ): Promise<void> {
    if (!(await updateDraftAtRevision(trx, ctx.tenantId, draft.id, revision, edit))) {
      const now = await findVersionById(trx, ctx.tenantId, draft.id);
      if (now?.published_at)
        throw new StrataError(
          "version_immutable",
          "this draft was published meanwhile; open a new draft",
        );
      throw revisionMismatch(revision, now?.revision ?? draft.revision);
    }
  }

  /** L4: the version a new draft copies, or null for a workflow that never had one. */
  private async chooseBase(
    trx: StoreTransaction,
    ctx: CallContext,
    workflow: WorkflowRow,
    from: number | undefined,
  ): Promise<VersionRow | null> {
    if (from !== undefined) {
      const version = await findVersionByNumber(trx, ctx.tenantId, workflow.id, from);
      if (version === undefined)
        throw new StrataError("not_found", `workflow ${workflow.key} has no version ${from}`);
      return version;
    }
    const liveId = await findLiveVersionId(trx, ctx.tenantId, workflow.id);
    const live = liveId === null ? undefined : await findVersionById(trx, ctx.tenantId, liveId);
    const base = live ?? (await resolveLatestVersion(trx, ctx.tenantId, workflow.id));
    if (base !== undefined) return base;
    if (await hasPublishedVersions(trx, ctx.tenantId, workflow.id)) {
      throw new StrataError(
        "all_versions_retired",
        `every version of ${workflow.key} is retired; restore one, or name one with --from N`,
      );
    }
    return null;
  }
}

/** The error for a workflow without a draft. */
export function noDraft(key: string): StrataError {
  return new StrataError(
    "not_found",
    `workflow ${key} has no draft; open one with \`strata draft open ${key}\``,
  );
}

/** The error for a stale revision (L5). */
export function revisionMismatch(given: number, current: number): StrataError {
  return new StrataError(
    "revision_mismatch",
    `the draft is at revision ${current}, not ${given}: someone saved it meanwhile; reload it, reapply your change and save again`,
    { details: { expected: given, current } },
  );
}
