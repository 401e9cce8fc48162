/** Publishing a draft as the next numbered, immutable version (DESIGN.md L3, L7). */
import { breakingChanges, compareInputSchemas } from "../core/definition/schema-compat.js";
import type { SchemaChange } from "../core/definition/schema-compat.js";
import { readPolicy } from "../core/policy.js";
import { findActiveRollout } from "../store/rollout-rows.js";
import { beginRollout, endRollout, planRollout, rolloutInProgress } from "./rollout-service.js";
import type { PublishRollout } from "./rollout-service.js";
import { assertValidDefinition, summarizeChanges } from "../core/definition/index.js";
import { StrataError } from "../core/errors.js";
import type { Version } from "../core/model.js";
import { appendAuditEvent } from "../store/audit-rows.js";
import { assignVersionNumber } from "../store/queries/assign-version-number.js";
import type { StoreTransaction } from "../store/store.js";
import {
  findNewestVersion,
  findVersionById,
  markPublished,
  setRetiredAt,
} from "../store/version-rows.js";
import type { VersionRow } from "../store/version-rows.js";
import type { WorkflowRow } from "../store/workflow-rows.js";
import { findLiveVersionId, setLiveRoute } from "../store/workflow-rows.js";
import { runChange } from "./deps.js";
import type { CallContext, ServiceDeps } from "./deps.js";
import type { DraftService } from "./draft-service.js";
import { listReviewRows } from "../store/review-rows.js";
import { draftReviewState, loadVersion } from "./views.js";

/** How to publish. */
export interface PublishOptions {
  /** The draft revision that was reviewed; publishing fails if the draft moved on (L7). */
  revision?: number;
  /** The author's description of the change. */
  description?: string;
  /** Make the new version live at 100% (default true); false publishes it for pinning only. */
  activate?: boolean;
  /** Retire the version the new one replaces on the live route. */
  retirePrevious?: boolean;
  /**
   * Start a rollout of the new version instead of making it live at once (DESIGN.md L7): its
   * percentage, and optionally an automatic ramp and a guard.
   */
  rollout?: PublishRollout;
  /**
   * Publish even though the input schema changed in a way the workflow's compatibility mode
   * forbids (`schema_incompatible` otherwise); the audit event records the forced changes.
   */
  force?: boolean;
  /**
   * During a rollout, a publish that changes the live route is refused (`rollout_in_progress`)
   * unless this ends that rollout (status `replaced`) first.
   */
  replaceRollout?: boolean;
}

/** Publishes drafts. */
export class PublishService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly drafts: DraftService,
  ) {}

  /**
   * Validates the draft fully and turns it into version N+1 in one transaction: if anything
   * fails, the draft, the versions and the live route are as they were.
   */
  async publish(ctx: CallContext, ref: string, options: PublishOptions = {}): Promise<Version> {
    const activate = options.activate ?? true;
    if (options.retirePrevious === true && !activate) {
      throw new StrataError(
        "validation_failed",
        "retirePrevious retires the version being replaced on the live route, so it needs activate: true",
      );
    }
    const plan = options.rollout === undefined ? null : planRollout(options.rollout);
    if (plan !== null && (!activate || options.retirePrevious === true)) {
      throw new StrataError(
        "validation_failed",
        "a rollout shares the live route with the version it replaces: it cannot go with activate: false or retirePrevious",
      );
    }
    return runChange(this.deps, async (trx, now) => {
      const { workflow, draft } = await this.drafts.lockDraft(trx, ctx, ref, options.revision);
      const definition = JSON.parse(draft.definition) as unknown;
      assertValidDefinition(definition);
      const liveId = await findLiveVersionId(trx, ctx.tenantId, workflow.id);
      const previous = await this.previousVersion(trx, ctx, workflow.id, liveId);
      if (previous !== undefined && previous.hash === draft.hash) {
        throw new StrataError(
          "no_changes",
          `the draft is identical to version ${previous.number}; change it before publishing, or discard it`,
        );
      }
      // The four-eyes gate (ADR 0015): approvals of exactly this revision, by non-editors.
      const review = draftReviewState(
        draft,
        workflow,
        await listReviewRows(trx, ctx.tenantId, draft.id),
      );
      if (review.blocked !== null) {
        throw new StrataError(review.blocked.code, review.blocked.message, {
          details: {
            revision: review.revision,
            approvals: review.approvals,
            approvedBy: review.approvedBy,
            rejectedBy: review.rejectedBy,
            staleApprovals: review.staleApprovals,
            editors: review.editors,
          },
        });
      }
      const forced = assertCompatible(workflow, previous, definition, options.force === true);
      const number = await assignVersionNumber(trx, ctx.tenantId, workflow.id);
      const summary = summarize(draft, previous);
      await markPublished(trx, ctx.tenantId, draft.id, {
        number,
        description: options.description ?? null,
        summary,
        actor: ctx.actor,
        approvedBy: review.approvedBy,
        now,
      });
      const retired: number[] = [];
      if (activate) {
        const active = await findActiveRollout(
          trx,
          ctx.tenantId,
          workflow.id,
          this.deps.store.dialect,
        );
        if (active !== undefined && options.replaceRollout !== true) {
          throw rolloutInProgress(workflow.key, active);
        }
        if (active !== undefined && plan === null) {
          await endRollout(
            trx,
            this.deps,
            ctx,
            workflow,
            active,
            now,
            "replaced",
            `replaced by the publish of v${number}`,
          );
        }
      }
      if (plan !== null) {
        const published = { ...draft, number, published_at: now };
        await beginRollout(trx, this.deps, ctx, workflow, published, plan, now, {
          replace: options.replaceRollout === true,
        });
      } else if (activate) {
        await setLiveRoute(trx, ctx.tenantId, workflow.id, draft.id, now);
        if (
          options.retirePrevious === true &&
          liveId !== null &&
          previous !== undefined &&
          previous.retired_at === null
        ) {
          await setRetiredAt(trx, ctx.tenantId, liveId, now, now);
          retired.push(previous.number ?? 0);
        }
      }
      await appendAuditEvent(trx, this.deps.store.dialect, {
        tenantId: ctx.tenantId,
        actor: ctx.actor,
        actorTokenId: ctx.actorTokenId ?? null,
        action: "version.published",
        workflowId: workflow.id,
        subjectId: draft.id,
        at: now,
        before: {
          revision: draft.revision,
          liveVersion: liveId === null ? null : (previous?.number ?? null),
        },
        after: {
          number,
          hash: draft.hash,
          description: options.description ?? null,
          summary,
          live: activate && plan === null,
          rollout: options.rollout ?? null,
          ...(forced.length === 0 ? {} : { forcedSchemaChanges: forced }),
          ...(review.approvedBy.length === 0 ? {} : { approvedBy: review.approvedBy }),
          retired,
        },
      });
      const version = await loadVersion(trx, ctx.tenantId, workflow.id, number);
      if (version === undefined)
        throw new Error("the published version vanished inside its own transaction");
      return version;
    });
  }

  /**
   * The version a new one follows, for `no_changes` and the summary: the live version, else
   * the newest numbered one. Comparing with the live version (not the draft's base) lets
   * "restore vK" publish vK's definition again as a new version.
   */
  private async previousVersion(
    trx: StoreTransaction,
    ctx: CallContext,
    workflowId: string,
    liveId: string | null,
  ): Promise<VersionRow | undefined> {
    const live = liveId === null ? undefined : await findVersionById(trx, ctx.tenantId, liveId);
    return live ?? (await findNewestVersion(trx, ctx.tenantId, workflowId));
  }
}

/**
 * L7's compatibility gate: the input-schema changes from the version being replaced that the
 * workflow's mode forbids. Refused with `schema_incompatible` naming them, unless forced;
 * returns the forced ones (for the audit event).
 */
function assertCompatible(
  workflow: WorkflowRow,
  previous: VersionRow | undefined,
  definition: unknown,
  force: boolean,
): SchemaChange[] {
  if (previous === undefined) return [];
  const mode = readPolicy(workflow.policy).compatibility;
  const before = (JSON.parse(previous.definition) as { inputSchema?: unknown }).inputSchema;
  const after = (definition as { inputSchema?: unknown }).inputSchema;
  const breaking = breakingChanges(compareInputSchemas(before, after), mode);
  if (breaking.length === 0 || force) return breaking;
  throw new StrataError(
    "schema_incompatible",
    `the input schema change is not ${mode} compatible with version ${previous.number}: ` +
      `${breaking.map((c) => c.description).join("; ")}. Make it compatible, change the ` +
      "workflow's compatibility mode, or publish with force",
    { details: { mode, changes: breaking } },
  );
}

/** The stored change summary: one line per change against the previous version. */
function summarize(draft: VersionRow, previous: VersionRow | undefined): string {
  const lines = summarizeChanges(
    previous === undefined ? null : (JSON.parse(previous.definition) as unknown),
    JSON.parse(draft.definition) as unknown,
  );
  if (draft.base_number !== null && draft.base_number !== previous?.number) {
    lines.unshift(`restored from v${draft.base_number}`);
  }
  return lines.join("\n");
}
