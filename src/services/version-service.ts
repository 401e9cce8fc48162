/** Published versions: history, retire, restore and delete (DESIGN.md L8–L10). */
import { diffDefinitions } from "../core/definition/diff-definitions.js";
import type { DefinitionDiff } from "../core/definition/diff-definitions.js";
import { breakingChanges } from "../core/definition/schema-compat.js";
import type { CompatibilityMode, SchemaChange } from "../core/definition/schema-compat.js";
import { readPolicy } from "../core/policy.js";
import { StrataError } from "../core/errors.js";
import {
  assertDeletable,
  assertRestorable,
  assertRetirable,
  versionState,
} from "../core/lifecycle.js";
import type { Draft, Version, VersionImpact } from "../core/model.js";
import { bindingsOfWorkflow } from "../store/binding-rows.js";
import { findActiveRollout } from "../store/rollout-rows.js";
import { countRunsByVersion, deleteVersionCounts } from "../store/run-counts.js";
import { appendAuditEvent } from "../store/audit-rows.js";
import type { StoreTransaction } from "../store/store.js";
import {
  deleteVersionRow,
  findDraft,
  findVersionById,
  findNewestUnretired,
  findVersionByNumber,
  listOpenRunIds,
  listVersionRows,
  setRetiredAt,
} from "../store/version-rows.js";
import type { VersionRow } from "../store/version-rows.js";
import { findLiveVersionId, setLiveRoute } from "../store/workflow-rows.js";
import type { Executor, WorkflowRow } from "../store/workflow-rows.js";
import { runChange } from "./deps.js";
import type { CallContext, ServiceDeps } from "./deps.js";
import { listReviewRows } from "../store/review-rows.js";
import { loadRunCounts, loadVersion, toDraft, toVersion } from "./views.js";
import { lockWorkflow, requireWorkflow } from "./workflow-service.js";

/** Version operations. */
export class VersionService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Every version of a workflow, the draft first, with state, live flag and run counts. */
  async list(ctx: CallContext, ref: string): Promise<Array<Version | Draft>> {
    const db = this.deps.store.db;
    const workflow = await requireWorkflow(this.deps.store.db, ctx.tenantId, ref);
    const rows = await listVersionRows(db, ctx.tenantId, workflow.id);
    const liveId = await findLiveVersionId(db, ctx.tenantId, workflow.id);
    const counts = await loadRunCounts(
      db,
      ctx.tenantId,
      rows.map((row) => row.id),
    );
    const draft = rows.find((row) => row.number === null);
    const reviews = draft === undefined ? [] : await listReviewRows(db, ctx.tenantId, draft.id);
    return rows.map((row) =>
      row.number === null
        ? toDraft(row, workflow, reviews, counts.get(row.id))
        : toVersion(row, liveId, counts.get(row.id)),
    );
  }

  /** One published or retired version by number. */
  async show(ctx: CallContext, ref: string, number: number): Promise<Version> {
    const db = this.deps.store.db;
    const workflow = await requireWorkflow(this.deps.store.db, ctx.tenantId, ref);
    const row = await findVersionByNumber(db, ctx.tenantId, workflow.id, number);
    if (row === undefined) throw versionNotFound(workflow.key, number);
    const liveId = await findLiveVersionId(db, ctx.tenantId, workflow.id);
    const counts = await loadRunCounts(db, ctx.tenantId, [row.id]);
    return toVersion(row, liveId, counts.get(row.id));
  }

  /**
   * Retires a published version (L8). On a deactivated workflow the live version can be
   * retired too, which empties the live route.
   */
  async retire(ctx: CallContext, ref: string, number: number): Promise<Version> {
    return this.change(ctx, ref, number, async (trx, workflow, version, now) => {
      const liveId = await findLiveVersionId(trx, ctx.tenantId, workflow.id);
      const live = liveId === version.id;
      await assertNotInRollout(trx, ctx.tenantId, workflow, version);
      assertRetirable({
        number,
        live,
        workflowStatus: workflow.status,
        publishedAt: version.published_at,
        retiredAt: version.retired_at,
      });
      await setRetiredAt(trx, ctx.tenantId, version.id, now, now);
      if (live) await setLiveRoute(trx, ctx.tenantId, workflow.id, null, now);
      return {
        action: "version.retired",
        before: { state: "published", live },
        after: { state: "retired", live: false },
      };
    });
  }

  /** Turns a retired version back into a published one (L9). It does not become live. */
  async restore(ctx: CallContext, ref: string, number: number): Promise<Version> {
    return this.change(ctx, ref, number, (trx, _workflow, version, now) => {
      assertRestorable({
        number,
        publishedAt: version.published_at,
        retiredAt: version.retired_at,
      });
      return setRetiredAt(trx, ctx.tenantId, version.id, null, now).then(() => ({
        action: "version.restored",
        before: { state: "retired" },
        after: { state: "published" },
      }));
    });
  }

  /** Deletes a retired version with no runs of either kind (L10). Its number stays used. */
  async delete(ctx: CallContext, ref: string, number: number): Promise<void> {
    await this.change(ctx, ref, number, async (trx, _workflow, version) => {
      const counts = await countRunsByVersion(trx, ctx.tenantId, [version.id]);
      const runs = counts.reduce((sum, row) => sum + row.count, 0);
      assertDeletable({
        number,
        runs,
        publishedAt: version.published_at,
        retiredAt: version.retired_at,
      });
      await deleteVersionCounts(trx, ctx.tenantId, version.id);
      await deleteVersionRow(trx, ctx.tenantId, version.id);
      return {
        action: "version.deleted",
        before: { state: "retired", hash: version.hash },
        after: null,
      };
    });
  }

  /**
   * What retiring or deleting version `number` would do, without doing it (`--dry-run`): whether
   * each is allowed now and why not, the bindings that would break or move, and the runs still
   * in flight on it.
   */
  async impact(ctx: CallContext, ref: string, number: number): Promise<VersionImpact> {
    const db = this.deps.store.db;
    const workflow = await requireWorkflow(this.deps.store.db, ctx.tenantId, ref);
    const version = await findVersionByNumber(db, ctx.tenantId, workflow.id, number);
    if (version === undefined) throw versionNotFound(workflow.key, number);
    const liveId = await findLiveVersionId(db, ctx.tenantId, workflow.id);
    const live = liveId === version.id;
    const refusal = (check: () => void | Promise<void>) =>
      Promise.resolve()
        .then(check)
        .then(
          () => null,
          (thrown: unknown) => {
            if (!(thrown instanceof StrataError)) throw thrown;
            return { code: thrown.code, message: thrown.message };
          },
        );
    const times = { publishedAt: version.published_at, retiredAt: version.retired_at };
    const retireRefusal = await refusal(async () => {
      await assertNotInRollout(db, ctx.tenantId, workflow, version);
      assertRetirable({ number, live, workflowStatus: workflow.status, ...times });
    });
    const runs = (await countRunsByVersion(db, ctx.tenantId, [version.id])).reduce(
      (sum, row) => sum + row.count,
      0,
    );
    const deleteRefusal = await refusal(() => assertDeletable({ number, runs, ...times }));
    const latestAfter = await findNewestUnretired(db, ctx.tenantId, workflow.id, version.id);
    const bindings = (await bindingsOfWorkflow(db, ctx.tenantId, workflow.id)).flatMap(
      (binding): VersionImpact["bindings"] => {
        if (binding.selector === String(number)) {
          return [
            {
              name: binding.name,
              selector: number,
              effect: "breaks",
              code: "version_retired",
              movesTo: null,
            },
          ];
        }
        if (binding.selector === "latest" && latestAfter.current === version.id) {
          return latestAfter.next === null
            ? [
                {
                  name: binding.name,
                  selector: "latest",
                  effect: "breaks",
                  code: "no_live_version",
                  movesTo: null,
                },
              ]
            : [
                {
                  name: binding.name,
                  selector: "latest",
                  effect: "moves",
                  code: null,
                  movesTo: latestAfter.next,
                },
              ];
        }
        return [];
      },
    );
    const open = await listOpenRunIds(db, ctx.tenantId, version.id, 100);
    return {
      workflowId: workflow.id,
      version: number,
      state: versionState(times),
      live,
      retire: { allowed: retireRefusal === null, refusal: retireRefusal },
      delete: { allowed: deleteRefusal === null, refusal: deleteRefusal },
      bindings,
      openRuns: open.count,
      openRunIds: open.ids,
    };
  }

  /**
   * What changed between two versions (numbers, `draft` or `live`): fields, nodes per leaf,
   * edges rewired, and input-schema changes with those the workflow's mode forbids.
   */
  async diff(ctx: CallContext, ref: string, from: DiffSide, to: DiffSide): Promise<VersionDiff> {
    const db = this.deps.store.db;
    const workflow = await requireWorkflow(this.deps.store.db, ctx.tenantId, ref);
    const side = async (which: DiffSide) => {
      const row =
        which === "draft"
          ? await findDraft(db, ctx.tenantId, workflow.id)
          : which === "live"
            ? await findLiveVersionId(db, ctx.tenantId, workflow.id).then((id) =>
                id === null ? undefined : findVersionById(db, ctx.tenantId, id),
              )
            : await findVersionByNumber(db, ctx.tenantId, workflow.id, which);
      if (row === undefined) {
        throw new StrataError(
          "not_found",
          which === "draft"
            ? `workflow ${workflow.key} has no draft`
            : which === "live"
              ? `workflow ${workflow.key} has no live version`
              : `workflow ${workflow.key} has no version ${which}`,
        );
      }
      return {
        label: row.number === null ? "draft" : `v${row.number}`,
        number: row.number,
        definition: JSON.parse(row.definition) as unknown,
      };
    };
    const a = await side(from);
    const b = await side(to);
    const diff = diffDefinitions(a.definition, b.definition);
    const mode = readPolicy(workflow.policy).compatibility;
    return {
      workflowId: workflow.id,
      from: { label: a.label, number: a.number },
      to: { label: b.label, number: b.number },
      ...diff,
      compatibility: { mode, breaking: breakingChanges(diff.inputSchema, mode) },
    };
  }

  /** Locks the workflow, reads version `number`, applies `work` and writes its audit event. */
  private async change(
    ctx: CallContext,
    ref: string,
    number: number,
    work: (
      trx: StoreTransaction,
      workflow: WorkflowRow,
      version: VersionRow,
      now: string,
    ) => Promise<{ action: string; before: unknown; after: unknown }>,
  ): Promise<Version> {
    return runChange(this.deps, async (trx, now) => {
      const workflow = await lockWorkflow(trx, this.deps, ctx, ref);
      const version = await findVersionByNumber(trx, ctx.tenantId, workflow.id, number);
      if (version === undefined) throw versionNotFound(workflow.key, number);
      const event = await work(trx, workflow, version, now);
      await appendAuditEvent(trx, this.deps.store.dialect, {
        tenantId: ctx.tenantId,
        actor: ctx.actor,
        actorTokenId: ctx.actorTokenId ?? null,
        action: event.action,
        workflowId: workflow.id,
        subjectId: version.id,
        at: now,
        before: { number, ...(event.before as object) },
        after: event.after === null ? null : { number, ...(event.after as object) },
      });
      const view = await loadVersion(trx, ctx.tenantId, workflow.id, number);
      // After a delete there is nothing left to show; callers of delete ignore the result.
      return view ?? toVersion(version, null);
    });
  }
}

/** One side of a diff: a version number, the draft, or the live version. */
export type DiffSide = number | "draft" | "live";

/** Two versions compared. */
export interface VersionDiff extends DefinitionDiff {
  workflowId: string;
  from: { label: string; number: number | null };
  to: { label: string; number: number | null };
  /** The workflow's mode, and the input-schema changes it would refuse at publish. */
  compatibility: { mode: CompatibilityMode; breaking: SchemaChange[] };
}

/** L8: neither side of a rollout in progress can be retired. */
async function assertNotInRollout(
  q: Executor,
  tenantId: string,
  workflow: WorkflowRow,
  version: VersionRow,
): Promise<void> {
  const rollout = await findActiveRollout(q, tenantId, workflow.id);
  if (rollout === undefined) return;
  if (rollout.stable_version_id !== version.id && rollout.candidate_version_id !== version.id)
    return;
  throw new StrataError(
    workflow.status === "active" ? "version_live" : "rollout_in_progress",
    `version ${version.number} is part of the rollout of v${rollout.candidate_number} in progress; promote or abort it first`,
  );
}

/** The error for an unknown version number. */
export function versionNotFound(key: string, number: number): StrataError {
  return new StrataError(
    "not_found",
    `workflow ${key} has no version ${number}; list them with \`strata versions ${key}\``,
  );
}
