/**
 * Rollouts and rollback (DESIGN.md §3): a rollout sends a share of the live route's new
 * production runs to a candidate version, sticky per routing key; it is set, promoted or
 * aborted by hand, ramps by itself on a schedule of steps, and aborts by itself when its guard
 * sees the candidate fail more often than the stable. Rollback makes any version live again at
 * once, or at a percentage (a rollout towards it). Every change, by hand or automatic, is one
 * transaction holding the workflow's lock, with its audit event.
 */
import { StrataError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import type {
  Attribution,
  LiveRoute,
  Rollout,
  RolloutStatus,
  RolloutStatusReport,
} from "../core/model.js";
import { percentOfShare, shareOfPercent } from "../core/routing/bucket.js";
import { checkGuard, evaluateGuard } from "../core/routing/guard.js";
import type { ArmStats, RolloutGuard } from "../core/routing/guard.js";
import { parseInterval } from "../core/routing/interval.js";
import { checkSteps, remainingSteps } from "../core/routing/steps.js";
import { appendAuditEvent } from "../store/audit-rows.js";
import {
  dueRollouts,
  findActiveRollout,
  findRolloutById,
  insertRollout,
  listRolloutRows,
  updateRollout,
} from "../store/rollout-rows.js";
import type { RolloutRow } from "../store/rollout-rows.js";
import { resolveRunTarget } from "../store/queries/resolve-run-target.js";
import { countRolloutRuns } from "../store/run-counts.js";
import type { StoreTransaction } from "../store/store.js";
import { findVersionById, findVersionByNumber, setRetiredAt } from "../store/version-rows.js";
import type { VersionRow } from "../store/version-rows.js";
import { findLiveVersionId, setLiveRoute } from "../store/workflow-rows.js";
import type { WorkflowRow } from "../store/workflow-rows.js";
import { runChange } from "./deps.js";
import type { CallContext, ServiceDeps } from "./deps.js";
import { lockWorkflow, requireWorkflow } from "./workflow-service.js";

/** Who automatic changes are attributed to in the audit log. */
export const GUARD_ACTOR = "strata:guard";
export const SCHEDULE_ACTOR = "strata:schedule";

/** An automatic ramp: percentages to step through, one every interval. */
export interface RolloutSchedule {
  /** Ascending percentages above the starting one; reaching 100 promotes. */
  steps: number[];
  /** The interval between steps: `1h`, `15m`, `PT1H`… */
  every: string;
}

/** What starting a rollout takes (also publish's `rollout` and a rollback's percentage). */
export interface StartRolloutInput {
  /** The candidate version's number. */
  to: number;
  /** The candidate's share of new production runs, 0–100 (two decimals at most). */
  percent: number;
  /** Optional automatic ramp. */
  steps?: number[];
  /** The interval between automatic steps; required with `steps`. */
  every?: string;
  /** Optional guard. */
  guard?: { maxFailureRateIncrease: number; minRuns: number; every?: string };
  /** End a rollout in progress (status `replaced`) instead of refusing. */
  replace?: boolean;
}

/** Options of a rollout that publish starts for the version it creates. */
export type PublishRollout = Omit<StartRolloutInput, "to" | "replace">;

/** What a rollback takes. */
export interface RollbackInput {
  /** The version to make live again (a retired one is restored). */
  to: number;
  /** With a percentage, a rollout towards it instead of an immediate switch. */
  percent?: number;
}

/** What a rollback did. */
export interface RollbackResult {
  /** The version on the live route afterwards (the stable side, during a rollout). */
  liveVersion: number;
  /** The rollout it started (with a percentage), else null. */
  rollout: Rollout | null;
  /** The rollout it ended, if one was in progress. */
  endedRollout: Rollout | null;
  /** Whether the version had to be restored from retired. */
  restored: boolean;
}

/** Rollout and rollback operations. */
export class RolloutService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Starts a rollout of version `to` on the live route. */
  async start(ctx: CallContext, ref: string, input: StartRolloutInput): Promise<Rollout> {
    const plan = planRollout(input);
    return runChange(this.deps, async (trx, now) => {
      const workflow = await lockWorkflow(trx, this.deps, ctx, ref);
      const candidate = await publishedVersion(trx, ctx.tenantId, workflow, input.to);
      const row = await beginRollout(trx, this.deps, ctx, workflow, candidate, plan, now, {
        replace: input.replace === true,
      });
      return toRollout(row);
    });
  }

  /** Sets the candidate's percentage by hand; an automatic ramp stops (a person took over). */
  async set(ctx: CallContext, ref: string, input: { percent: number }): Promise<Rollout> {
    const share = shareOfPercent(input.percent);
    return this.changeActive(ctx, ref, async (trx, workflow, rollout, now) => {
      await updateRollout(trx, ctx.tenantId, rollout.id, {
        share,
        steps: null,
        step_every_ms: null,
        next_step_at: null,
        next_check_at: nextCheck(null, guardOf(rollout), now),
        updated_at: now,
      });
      await audit(trx, this.deps, ctx, workflow, rollout.id, now, "rollout.changed", {
        before: { percent: percentOfShare(rollout.share), steps: stepsOf(rollout) },
        after: { percent: input.percent, steps: [] },
      });
    });
  }

  /** Promotes: the candidate becomes the single live version. */
  async promote(ctx: CallContext, ref: string): Promise<Rollout> {
    return this.changeActive(ctx, ref, (trx, workflow, rollout, now) =>
      endRollout(trx, this.deps, ctx, workflow, rollout, now, "promoted", null),
    );
  }

  /** Aborts: the stable version alone serves again. */
  async abort(ctx: CallContext, ref: string, input: { reason?: string } = {}): Promise<Rollout> {
    return this.changeActive(ctx, ref, (trx, workflow, rollout, now) =>
      endRollout(
        trx,
        this.deps,
        ctx,
        workflow,
        rollout,
        now,
        "aborted",
        input.reason ?? "aborted by hand",
      ),
    );
  }

  /**
   * The active rollout with its arms' figures, else the most recent one; `not_found` when the
   * workflow never had one.
   */
  async status(ctx: CallContext, ref: string): Promise<RolloutStatusReport> {
    const db = this.deps.store.db;
    const workflow = await requireWorkflow(db, ctx.tenantId, ref);
    const [row] = await listRolloutRows(db, ctx.tenantId, workflow.id, 1);
    if (row === undefined) {
      throw new StrataError(
        "not_found",
        `workflow ${workflow.key} has never had a rollout; start one with \`strata rollout start\``,
      );
    }
    return report(row, await countRolloutRuns(db, ctx.tenantId, row.id));
  }

  /**
   * The live route as new production runs see it now: the live version, LATEST, and the
   * rollout in progress with its figures, if any.
   */
  async route(ctx: CallContext, ref: string): Promise<LiveRoute> {
    const db = this.deps.store.db;
    const workflow = await requireWorkflow(db, ctx.tenantId, ref);
    const liveId = await findLiveVersionId(db, ctx.tenantId, workflow.id);
    const live = liveId === null ? undefined : await findVersionById(db, ctx.tenantId, liveId);
    const latest = await resolveRunTarget(db, ctx.tenantId, workflow.id, "latest");
    const active = await findActiveRollout(db, ctx.tenantId, workflow.id);
    return {
      workflowId: workflow.id,
      workflowKey: workflow.key,
      status: workflow.status,
      liveVersion: live?.number ?? null,
      latestVersion: latest?.version?.number ?? null,
      rollout:
        active === undefined
          ? null
          : report(active, await countRolloutRuns(db, ctx.tenantId, active.id)),
    };
  }

  /** The workflow's rollouts, newest first. */
  async list(ctx: CallContext, ref: string, options: { limit?: number } = {}): Promise<Rollout[]> {
    const db = this.deps.store.db;
    const workflow = await requireWorkflow(db, ctx.tenantId, ref);
    const rows = await listRolloutRows(db, ctx.tenantId, workflow.id, options.limit ?? 50);
    return rows.map(toRollout);
  }

  /**
   * Rollback (Persona's "revert"): makes version `to` live at once, restoring it if it was
   * retired and ending any rollout in progress; with `percent`, starts a rollout towards it
   * from the live version instead.
   */
  async rollback(ctx: CallContext, ref: string, input: RollbackInput): Promise<RollbackResult> {
    const plan =
      input.percent === undefined ? null : planRollout({ ...input, percent: input.percent });
    return runChange(this.deps, async (trx, now) => {
      const workflow = await lockWorkflow(trx, this.deps, ctx, ref);
      const target = await findVersionByNumber(trx, ctx.tenantId, workflow.id, input.to);
      if (target === undefined || target.published_at === null) {
        throw new StrataError("not_found", `workflow ${workflow.key} has no version ${input.to}`);
      }
      const restored = target.retired_at !== null;
      if (restored) await setRetiredAt(trx, ctx.tenantId, target.id, null, now);
      const active = await findActiveRollout(
        trx,
        ctx.tenantId,
        workflow.id,
        this.deps.store.dialect,
      );
      let ended: RolloutRow | null = null;
      if (active !== undefined) {
        await endRollout(
          trx,
          this.deps,
          ctx,
          workflow,
          active,
          now,
          "rolled_back",
          `rolled back to v${input.to}`,
        );
        ended = (await findRolloutById(trx, ctx.tenantId, active.id)) ?? null;
      }
      const liveBefore = await findLiveVersionId(trx, ctx.tenantId, workflow.id);
      const liveBeforeNumber =
        liveBefore === null
          ? null
          : ((await findVersionById(trx, ctx.tenantId, liveBefore))?.number ?? null);
      let started: RolloutRow | null = null;
      if (plan === null) {
        await setLiveRoute(trx, ctx.tenantId, workflow.id, target.id, now);
      } else {
        started = await beginRollout(
          trx,
          this.deps,
          ctx,
          workflow,
          { ...target, retired_at: null },
          plan,
          now,
          {
            replace: false,
          },
        );
      }
      await audit(trx, this.deps, ctx, workflow, target.id, now, "workflow.rolled_back", {
        before: { liveVersion: liveBeforeNumber, rollout: ended?.id ?? null },
        after: {
          liveVersion: plan === null ? input.to : liveBeforeNumber,
          to: input.to,
          percent: input.percent ?? 100,
          restored,
          rollout: started?.id ?? null,
        },
      });
      return {
        liveVersion: plan === null ? input.to : (liveBeforeNumber ?? input.to),
        rollout: started === null ? null : toRollout(started),
        endedRollout: ended === null ? null : toRollout(ended),
        restored,
      };
    });
  }

  /**
   * One round of automation over every tenant: for each active rollout whose check is due,
   * the guard looks at the figures (and aborts when they trip it), then a due step ramps it
   * (100 promotes). Returns how many rollouts were looked at. Safe with several workers: each
   * rollout is re-read under its workflow's lock and skipped if another worker got there first.
   */
  async runAutomation(limit = 50): Promise<number> {
    const now = this.deps.clock.now().toISOString();
    const due = await dueRollouts(this.deps.store.db, now, limit);
    for (const { tenant_id: tenantId, id, workflow_id: workflowId, guard } of due) {
      // The guard's figures are read before the workflow's lock is taken: counting a big
      // rollout's runs under it held up every run start of the workflow (SQLite's write lock,
      // PostgreSQL's row lock that run inserts need) for as long as the count took (issue 17).
      // Runs that end meanwhile change a rate by a hair; the next look counts them.
      const counts = guard === null ? [] : await countRolloutRuns(this.deps.store.db, tenantId, id);
      await runChange(this.deps, async (trx, at) => {
        const workflow = await lockWorkflow(
          trx,
          this.deps,
          { tenantId, actor: SCHEDULE_ACTOR },
          workflowId,
        );
        const rollout = await findActiveRollout(
          trx,
          tenantId,
          workflow.id,
          this.deps.store.dialect,
        );
        // Re-checked under the lock: still this rollout, still due (another process may have
        // looked first, or someone aborted or replaced it).
        if (rollout?.id !== id || rollout.next_check_at === null || rollout.next_check_at > at)
          return;
        await this.automate(trx, workflow, rollout, at, counts);
      });
    }
    return due.length;
  }

  /**
   * The guard's look at `counts` (the rollout's runs, counted before the lock), then the due
   * step, for one rollout (inside its change).
   */
  private async automate(
    trx: StoreTransaction,
    workflow: WorkflowRow,
    rollout: RolloutRow,
    now: string,
    counts: readonly RunCountRow[],
  ): Promise<void> {
    const guard = guardOf(rollout);
    if (guard !== null) {
      const arms = armStats(rollout, counts);
      const verdict = evaluateGuard(guard, arms.stable, arms.candidate);
      if (verdict.verdict === "tripped") {
        await endRollout(
          trx,
          this.deps,
          { actor: GUARD_ACTOR },
          workflow,
          rollout,
          now,
          "aborted",
          verdict.explanation,
          {
            guard: {
              ...guard,
              verdict: verdict.verdict,
              stable: verdict.stable,
              candidate: verdict.candidate,
              increase: verdict.increase,
            },
          },
        );
        return;
      }
    }
    const steps = stepsOf(rollout);
    const stepDue = rollout.next_step_at !== null && rollout.next_step_at <= now;
    const next = steps[0];
    if (!stepDue || next === undefined) {
      await updateRollout(trx, rollout.tenant_id, rollout.id, {
        next_check_at: nextCheck(rollout.next_step_at, guard, now),
      });
      return;
    }
    if (next >= 100) {
      await endRollout(
        trx,
        this.deps,
        { actor: SCHEDULE_ACTOR },
        workflow,
        rollout,
        now,
        "promoted",
        "the last step of its schedule reached 100%",
      );
      return;
    }
    const rest = steps.slice(1).map(shareFromPercent);
    const nextStepAt =
      rest.length === 0 || rollout.step_every_ms === null
        ? null
        : addMs(now, rollout.step_every_ms);
    await updateRollout(trx, rollout.tenant_id, rollout.id, {
      share: shareFromPercent(next),
      steps: rest.length === 0 ? null : JSON.stringify(rest),
      next_step_at: nextStepAt,
      next_check_at: nextCheck(nextStepAt, guard, now),
      updated_at: now,
    });
    await audit(
      trx,
      this.deps,
      { actor: SCHEDULE_ACTOR },
      workflow,
      rollout.id,
      now,
      "rollout.stepped",
      {
        before: { percent: percentOfShare(rollout.share) },
        after: { percent: next, remaining: rest.map(percentOfShare), reason: "scheduled step" },
      },
    );
  }

  /** Locks the workflow, reads its active rollout (else `not_found`), applies `work`. */
  private async changeActive(
    ctx: CallContext,
    ref: string,
    work: (
      trx: StoreTransaction,
      workflow: WorkflowRow,
      rollout: RolloutRow,
      now: string,
    ) => Promise<void>,
  ): Promise<Rollout> {
    return runChange(this.deps, async (trx, now) => {
      const workflow = await lockWorkflow(trx, this.deps, ctx, ref);
      const rollout = await findActiveRollout(
        trx,
        ctx.tenantId,
        workflow.id,
        this.deps.store.dialect,
      );
      if (rollout === undefined) {
        throw new StrataError(
          "not_found",
          `workflow ${workflow.key} has no rollout in progress; start one with \`strata rollout start\``,
        );
      }
      await work(trx, workflow, rollout, now);
      const [after] = await listRolloutRows(trx, ctx.tenantId, workflow.id, 1);
      if (after === undefined) throw new Error("the rollout vanished inside its own transaction");
      return toRollout(after);
    });
  }
}

/** A rollout's figures, checked before any transaction opens. */
export interface RolloutPlan {
  share: number;
  steps: number[];
  everyMs: number | null;
  guard: RolloutGuard | null;
}

/** Checks a rollout request: percentage, ramp and guard. */
export function planRollout(input: PublishRollout): RolloutPlan {
  const share = shareOfPercent(input.percent);
  // Steps at or below the starting share are already reached (`--percent 5 --steps 5,25,…`).
  const steps = input.steps === undefined ? [] : remainingSteps(checkSteps(input.steps), share);
  if (steps.length > 0 && input.every === undefined) {
    throw new StrataError(
      "validation_failed",
      "automatic steps need an interval: give every (e.g. 1h)",
    );
  }
  if (steps.length === 0 && input.every !== undefined) {
    throw new StrataError(
      "validation_failed",
      "an interval without steps does nothing: give steps (e.g. 5,25,50,100)",
    );
  }
  const guard =
    input.guard === undefined
      ? null
      : checkGuard({
          maxFailureRateIncrease: input.guard.maxFailureRateIncrease,
          minRuns: input.guard.minRuns,
          everyMs:
            input.guard.every === undefined
              ? 60_000
              : parseInterval(input.guard.every, "the guard's interval"),
        });
  return {
    share,
    steps,
    everyMs: input.every === undefined ? null : parseInterval(input.every, "the step interval"),
    guard,
  };
}

/**
 * Starts a rollout of `candidate` from the live version, inside the caller's change (the
 * workflow is locked): refused without a live version, towards the live version itself, and
 * during another rollout unless `replace` ends that one (status `replaced`).
 */
export async function beginRollout(
  trx: StoreTransaction,
  deps: ServiceDeps,
  ctx: CallContext,
  workflow: WorkflowRow,
  candidate: VersionRow,
  plan: RolloutPlan,
  now: string,
  options: { replace: boolean },
): Promise<RolloutRow> {
  const stableId = await findLiveVersionId(trx, ctx.tenantId, workflow.id);
  if (stableId === null) {
    throw new StrataError(
      "no_live_version",
      `workflow ${workflow.key} has no live version to roll out from; make version ${candidate.number} live with a publish or \`strata rollback --to ${candidate.number}\``,
    );
  }
  if (stableId === candidate.id) {
    throw new StrataError(
      "validation_failed",
      `version ${candidate.number} is already the live version`,
    );
  }
  const active = await findActiveRollout(trx, ctx.tenantId, workflow.id, deps.store.dialect);
  if (active !== undefined) {
    if (!options.replace) throw rolloutInProgress(workflow.key, active);
    await endRollout(
      trx,
      deps,
      ctx,
      workflow,
      active,
      now,
      "replaced",
      `replaced by a rollout of v${candidate.number}`,
    );
  }
  const id = newId("rol");
  const nextStepAt =
    plan.steps.length === 0 || plan.everyMs === null ? null : addMs(now, plan.everyMs);
  const inserted = {
    tenant_id: ctx.tenantId,
    id,
    workflow_id: workflow.id,
    stable_version_id: stableId,
    candidate_version_id: candidate.id,
    share: plan.share,
    status: "active" as const,
    steps: plan.steps.length === 0 ? null : JSON.stringify(plan.steps),
    step_every_ms: plan.everyMs,
    next_step_at: nextStepAt,
    guard: plan.guard === null ? null : JSON.stringify(plan.guard),
    next_check_at: nextCheck(nextStepAt, plan.guard, now),
    started_at: now,
    started_by: ctx.actor,
    updated_at: now,
    ended_at: null,
    ended_by: null,
    end_reason: null,
  };
  await insertRollout(trx, inserted);
  const stable = await findVersionById(trx, ctx.tenantId, stableId);
  await audit(trx, deps, ctx, workflow, id, now, "rollout.started", {
    before: { liveVersion: stable?.number ?? null },
    after: {
      stableVersion: stable?.number ?? null,
      candidateVersion: candidate.number,
      percent: percentOfShare(plan.share),
      steps: plan.steps.map(percentOfShare),
      everyMs: plan.everyMs,
      guard: plan.guard,
      replaced: active?.id ?? null,
    },
  });
  return {
    ...inserted,
    stable_number: stable?.number ?? 0,
    candidate_number: candidate.number ?? 0,
  };
}

/**
 * Ends a rollout: `promoted` puts the candidate alone on the live route; the other endings
 * leave the stable there. Writes the audit event saying who or what ended it and why.
 */
export async function endRollout(
  trx: StoreTransaction,
  deps: ServiceDeps,
  by: Attribution,
  workflow: WorkflowRow,
  rollout: RolloutRow,
  now: string,
  status: Exclude<RolloutStatus, "active">,
  reason: string | null,
  extra: Record<string, unknown> = {},
): Promise<void> {
  if (status === "promoted") {
    await setLiveRoute(trx, rollout.tenant_id, workflow.id, rollout.candidate_version_id, now);
  }
  await updateRollout(trx, rollout.tenant_id, rollout.id, {
    status,
    next_step_at: null,
    next_check_at: null,
    updated_at: now,
    ended_at: now,
    ended_by: by.actor,
    end_reason: reason,
  });
  const action =
    status === "promoted"
      ? "rollout.promoted"
      : status === "aborted"
        ? "rollout.aborted"
        : `rollout.${status}`;
  await audit(trx, deps, by, workflow, rollout.id, now, action, {
    before: {
      stableVersion: rollout.stable_number,
      candidateVersion: rollout.candidate_number,
      percent: percentOfShare(rollout.share),
    },
    after: {
      status,
      liveVersion: status === "promoted" ? rollout.candidate_number : rollout.stable_number,
      reason,
      ...extra,
    },
  });
}

/** The error for a second rollout: says which one runs and how to replace it. */
export function rolloutInProgress(key: string, active: RolloutRow): StrataError {
  return new StrataError(
    "rollout_in_progress",
    `workflow ${key} has a rollout of v${active.candidate_number} at ${percentOfShare(active.share)}% in progress; promote or abort it first, or replace it`,
    { details: { rolloutId: active.id } },
  );
}

/** Version `number` of the workflow, published and not retired (a rollout candidate). */
async function publishedVersion(
  trx: StoreTransaction,
  tenantId: string,
  workflow: WorkflowRow,
  number: number,
): Promise<VersionRow> {
  const version = await findVersionByNumber(trx, tenantId, workflow.id, number);
  if (version === undefined || version.published_at === null) {
    throw new StrataError("not_found", `workflow ${workflow.key} has no version ${number}`);
  }
  if (version.retired_at !== null) {
    throw new StrataError(
      "version_retired",
      `version ${number} of ${workflow.key} is retired; restore it first, or use \`strata rollback --to ${number} --percent P\``,
    );
  }
  return version;
}

async function audit(
  trx: StoreTransaction,
  deps: ServiceDeps,
  by: Attribution,
  workflow: WorkflowRow,
  subjectId: string,
  at: string,
  action: string,
  change: { before: unknown; after: unknown },
): Promise<void> {
  await appendAuditEvent(trx, deps.store.dialect, {
    tenantId: workflow.tenant_id,
    actor: by.actor,
    actorTokenId: by.actorTokenId ?? null,
    action,
    workflowId: workflow.id,
    subjectId,
    at,
    before: change.before,
    after: change.after,
  });
}

/** When automation should next look: the next step or the guard's next look, whichever first. */
function nextCheck(
  nextStepAt: string | null,
  guard: RolloutGuard | null,
  now: string,
): string | null {
  const guardAt = guard === null ? null : addMs(now, guard.everyMs);
  if (nextStepAt === null) return guardAt;
  if (guardAt === null) return nextStepAt;
  return nextStepAt < guardAt ? nextStepAt : guardAt;
}

function addMs(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

function guardOf(row: RolloutRow): RolloutGuard | null {
  return row.guard === null ? null : (JSON.parse(row.guard) as RolloutGuard);
}

/** The remaining steps, as percentages. */
function stepsOf(row: RolloutRow): number[] {
  const shares = row.steps === null ? [] : (JSON.parse(row.steps) as number[]);
  return remainingSteps(shares, row.share).map(percentOfShare);
}

function shareFromPercent(percent: number): number {
  return Math.round(percent * 100);
}

/** A rollout row as the public object. */
export function toRollout(row: RolloutRow): Rollout {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    status: row.status,
    stableVersion: row.stable_number,
    candidateVersion: row.candidate_number,
    // An ended rollout no longer shares the route (issue 18: a promoted one said 50%).
    percent:
      row.status === "active" ? percentOfShare(row.share) : row.status === "promoted" ? 100 : 0,
    endedAtPercent: row.status === "active" ? null : percentOfShare(row.share),
    steps: row.status === "active" ? stepsOf(row) : [],
    stepEveryMs: row.step_every_ms === null ? null : Number(row.step_every_ms),
    nextStepAt: row.next_step_at,
    guard: guardOf(row),
    startedAt: row.started_at,
    startedBy: row.started_by,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
    endedBy: row.ended_by,
    endReason: row.end_reason,
  };
}

type RunCountRow = { version_id: string; status: string; count: number };

/** The finished runs of each arm, for the guard. */
function armStats(
  row: RolloutRow,
  counts: readonly RunCountRow[],
): Record<"stable" | "candidate", ArmStats> {
  const arm = (versionId: string): ArmStats => {
    let completed = 0;
    let failed = 0;
    for (const count of counts) {
      if (count.version_id !== versionId) continue;
      if (count.status === "completed") completed += count.count;
      if (count.status === "failed") failed += count.count;
    }
    return { finished: completed + failed, failed };
  };
  return { stable: arm(row.stable_version_id), candidate: arm(row.candidate_version_id) };
}

/** A rollout with its arms' figures and the guard's current verdict. */
function report(row: RolloutRow, counts: readonly RunCountRow[]): RolloutStatusReport {
  const side = (versionId: string, version: number) => {
    const of = (status: string): number =>
      counts
        .filter((c) => c.version_id === versionId && c.status === status)
        .reduce((sum, c) => sum + c.count, 0);
    const completed = of("completed");
    const failed = of("failed");
    const open = of("running") + of("waiting");
    const finished = completed + failed;
    return {
      version,
      runs: completed + failed + open + of("cancelled"),
      open,
      completed,
      failed,
      failureRate: finished === 0 ? 0 : Math.round((10_000 * failed) / finished) / 100,
    };
  };
  const guard = guardOf(row);
  const stats = armStats(row, counts);
  const verdict = guard === null ? null : evaluateGuard(guard, stats.stable, stats.candidate);
  return {
    ...toRollout(row),
    arms: {
      stable: side(row.stable_version_id, row.stable_number),
      candidate: side(row.candidate_version_id, row.candidate_number),
    },
    guardVerdict:
      verdict === null ? null : { verdict: verdict.verdict, explanation: verdict.explanation },
  };
}
