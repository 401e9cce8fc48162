/**
 * Keeping the database bounded (DESIGN.md §10, operations): `prune` removes a tenant's
 * finished runs that ended before a cutoff (`strata runs prune`, `POST /v1/runs/prune`), and
 * with a retention period configured, `runDue` does the same continuously, a small batch per
 * tenant at a time, from the worker loop's automation round.
 *
 * What a prune never changes: runs in flight (only completed, failed and cancelled runs with an
 * `ended_at` are looked at); a version's run counts, `drained` and a rollout's figures (the
 * run counters, `src/store/run-counts.ts`, keep counting pruned runs; each batch adds what it
 * removes to `run_tallies` in the same transaction, so `strata doctor` can recompute them);
 * and what the record points at. Runs an audit event names (a migration's `run.migrated`), runs a backtest
 * report names (its samples), the runs a queued or running backtest will read, and the runs of
 * an active rollout (its guard and figures count them) are kept, and counted in `kept`.
 *
 * Batches of 1,000 runs, each its own short transaction (see `queries/prune-runs.ts`), so no
 * database holds a lock for the whole prune. One audit event `runs.pruned` records a prune,
 * written in the transaction of its last batch: the count it states is then exactly what
 * committed, and a prune that fails part-way records what its committed batches removed in a
 * transaction of its own before the error is passed on. Retention writes one event per tenant
 * per batch that removed something, as `strata:retention`.
 */
import { coerceError, StrataError } from "../core/errors.js";
import { assertRetentionMs, resolveFinishedBefore } from "../core/retention-period.js";
import { formatInterval } from "../core/routing/interval.js";
import { appendAuditEvent } from "../store/audit-rows.js";
import { deletePrunableRuns, selectPrunableRuns } from "../store/queries/prune-runs.js";
import type { PrunableRun, PruneCursor, PruneScan } from "../store/queries/prune-runs.js";
import {
  activeRolloutIds,
  backtestIdsWithReports,
  listTenantIds,
  runsNamedByBacktests,
  workflowsWithPendingBacktests,
} from "../store/run-holds.js";
import { addRunTallies } from "../store/run-tallies.js";
import type { PrunedCount } from "../store/run-tallies.js";
import type { StoreTransaction } from "../store/store.js";
import type { Executor } from "../store/workflow-rows.js";
import { runChange } from "./deps.js";
import type { CallContext, ServiceDeps } from "./deps.js";
import { keepReason, noneKept, PruneProgress } from "./prune-progress.js";
import type { Batch, KeepReason, PrunePlan, PrunedVersionCount } from "./prune-progress.js";
import { requireWorkflow } from "./workflow-service.js";

export { parseRetention } from "../core/retention-period.js";
export type { KeepReason, PrunedVersionCount } from "./prune-progress.js";

/** Who continuous retention acts as, in the audit log. */
export const RETENTION_ACTOR = "strata:retention";
/** The audit action of a prune. */
export const PRUNE_ACTION = "runs.pruned";
/** Runs per transaction of a prune unless asked otherwise. */
export const DEFAULT_PRUNE_BATCH = 1_000;
/** The largest `limit`: what an INTEGER column holds, as elsewhere in the API. */
const MAX_INT = 2_147_483_647;
/** The largest batch a prune may ask for. */
export const MAX_PRUNE_BATCH = 10_000;
/** Runs per tenant per retention round: small, so a round never holds up run starts. */
export const RETENTION_BATCH = 500;
/** How long retention waits after a round that found no full batch anywhere. */
export const RETENTION_IDLE_MS = 60_000;

/** What a prune takes. */
export interface PruneOptions {
  /**
   * Runs that ended before this go: a time, an ISO date (`2026-01-01`, midnight UTC), an ISO
   * time with its zone, or an age counted back from now (`90d`, `12h`, `30m`, `P90D`).
   */
  finishedBefore: Date | string;
  /** Only this workflow's runs (its id or key). */
  workflow?: string;
  /** Count what would go and change nothing. */
  dryRun?: boolean;
  /** At most this many runs (default: every run that qualifies). */
  limit?: number;
  /** Runs per transaction (default 1,000, at most 10,000). */
  batchSize?: number;
}

/** What a prune did, or with `dryRun` would do. */
export interface PruneReport {
  dryRun: boolean;
  /** The cutoff, resolved: runs that ended before it. */
  finishedBefore: string;
  /** The workflow's key, or null for every workflow. */
  workflow: string | null;
  /** Runs removed (with `dryRun`: that would be removed). */
  pruned: number;
  /** Whether `limit` stopped the prune before it had looked at every run that qualifies. */
  more: boolean;
  /** `pruned` by workflow and version, by workflow key then version. */
  byVersion: PrunedVersionCount[];
  /** Runs past the cutoff that were kept, by reason. */
  kept: Record<KeepReason, number>;
}

/** Pruning and retention. */
export class RetentionService {
  /** Per tenant: the backtests whose reports were read, and the runs those reports name. */
  readonly #named = new Map<string, { read: Set<string>; runs: Set<string> }>();
  /** Per tenant: where the next retention batch resumes. */
  readonly #cursors = new Map<string, PruneCursor>();
  #nextRoundAt = 0;

  /** `retentionMs`: prune continuously what ended longer ago than this (off without it). */
  constructor(
    private readonly deps: ServiceDeps,
    private readonly retentionMs?: number,
  ) {
    if (retentionMs !== undefined) assertRetentionMs(retentionMs);
  }

  /** The retention period in milliseconds, if one is configured. */
  get retention(): number | undefined {
    return this.retentionMs;
  }

  /** Prunes the tenant's finished runs that ended before `finishedBefore` (see the header). */
  async prune(ctx: CallContext, options: PruneOptions): Promise<PruneReport> {
    const plan = await this.plan(ctx, options);
    const progress = new PruneProgress(plan);
    try {
      while (!progress.done) {
        progress.advance(
          plan.dryRun
            ? await this.judgeBatch(progress)
            : await this.pruneBatch(ctx, plan, progress),
        );
      }
    } catch (error) {
      if (!plan.dryRun && progress.pruned > 0) {
        // The committed batches stay removed: record them, then pass the error on.
        const interrupted = error instanceof Error ? error.message : String(error);
        await runChange(this.deps, (trx, now) =>
          this.auditPrune(trx, ctx, plan, now, { ...progress.summary(), interrupted }),
        ).catch(() => undefined);
      }
      throw error;
    }
    return {
      dryRun: plan.dryRun,
      finishedBefore: plan.finishedBefore,
      workflow: plan.workflow?.key ?? null,
      pruned: progress.pruned,
      more: progress.more,
      byVersion: await this.withKeys(ctx.tenantId, progress.byVersion()),
      kept: progress.kept,
    };
  }

  /** A prune's options checked and resolved: the cutoff, the workflow, the sizes. */
  private async plan(ctx: CallContext, options: PruneOptions): Promise<PrunePlan> {
    const finishedBefore = resolveFinishedBefore(options.finishedBefore, this.deps.clock.now());
    const batchSize = wholeNumber(
      options.batchSize ?? DEFAULT_PRUNE_BATCH,
      "batchSize",
      MAX_PRUNE_BATCH,
    );
    const limit =
      options.limit === undefined ? undefined : wholeNumber(options.limit, "limit", MAX_INT);
    const workflow =
      options.workflow === undefined
        ? undefined
        : await requireWorkflow(this.deps.store.db, ctx.tenantId, options.workflow);
    return {
      tenantId: ctx.tenantId,
      finishedBefore: finishedBefore.toISOString(),
      workflow,
      dryRun: options.dryRun === true,
      batchSize,
      limit,
    };
  }

  /** One batch of a dry run: read and judged, without a transaction or a lock. */
  private async judgeBatch(progress: PruneProgress): Promise<Batch> {
    const db = this.deps.store.db;
    return this.judge(db, progress.plan.tenantId, await selectPrunableRuns(db, progress.scan()));
  }

  /**
   * One batch of a prune in its own transaction; the last one also writes the prune's audit
   * event, with the totals including itself.
   */
  private pruneBatch(ctx: CallContext, plan: PrunePlan, progress: PruneProgress): Promise<Batch> {
    return runChange(this.deps, async (trx, now) => {
      const scan = { ...progress.scan(), lockFor: this.deps.store.dialect };
      const judged = await this.judge(trx, ctx.tenantId, await selectPrunableRuns(trx, scan));
      const batch = await this.remove(trx, ctx.tenantId, judged, now);
      if (progress.endsWith(batch)) {
        await this.auditPrune(trx, ctx, plan, now, progress.summary(batch));
      }
      return batch;
    });
  }

  /** The `runs.pruned` event of a prune. */
  private async auditPrune(
    trx: StoreTransaction,
    ctx: CallContext,
    plan: PrunePlan,
    now: string,
    after: Record<string, unknown>,
  ): Promise<void> {
    await appendAuditEvent(trx, this.deps.store.dialect, {
      tenantId: ctx.tenantId,
      actor: ctx.actor,
      actorTokenId: ctx.actorTokenId ?? null,
      action: PRUNE_ACTION,
      workflowId: plan.workflow?.id ?? null,
      subjectId: null,
      at: now,
      before: null,
      after: {
        finishedBefore: plan.finishedBefore,
        workflow: plan.workflow?.key ?? null,
        ...(plan.limit === undefined ? {} : { limit: plan.limit }),
        ...after,
      },
    });
  }

  /**
   * One retention round: in every tenant, at most one batch of runs that ended more than the
   * retention period ago. Returns how many runs it removed; 0 without a retention period.
   */
  async runRetention(): Promise<number> {
    return (await this.round()).pruned;
  }

  /**
   * What the worker loop's automation calls about once a second: a retention round when one
   * is due, that is a minute after a round that found nothing more to do, and at once after a
   * round in which some tenant filled its batch. Returns how many runs it removed.
   */
  async runDue(): Promise<number> {
    if (this.retentionMs === undefined) return 0;
    const now = this.deps.clock.now().getTime();
    if (now < this.#nextRoundAt) return 0;
    // Set before the round, so a failing database is tried once a minute, not every second.
    this.#nextRoundAt = now + RETENTION_IDLE_MS;
    const round = await this.round();
    if (round.full) this.#nextRoundAt = 0;
    return round.pruned;
  }

  /** A round over every tenant; one tenant's failure does not stop the others'. */
  private async round(): Promise<{ pruned: number; full: boolean }> {
    if (this.retentionMs === undefined) return { pruned: 0, full: false };
    const cutoff = new Date(this.deps.clock.now().getTime() - this.retentionMs).toISOString();
    let pruned = 0;
    let full = false;
    let failure: Error | undefined;
    for (const tenantId of await listTenantIds(this.deps.store.db)) {
      try {
        const outcome = await this.retainTenant(tenantId, cutoff);
        pruned += outcome.pruned;
        full ||= outcome.full;
      } catch (error) {
        failure ??= coerceError(error);
      }
    }
    if (failure !== undefined) throw failure;
    return { pruned, full };
  }

  /** One retention batch in one tenant, resuming where its previous batch stopped. */
  private async retainTenant(
    tenantId: string,
    cutoff: string,
  ): Promise<{ pruned: number; full: boolean }> {
    const db = this.deps.store.db;
    const after = this.#cursors.get(tenantId);
    const scan: PruneScan = {
      tenantId,
      finishedBefore: cutoff,
      ...(after === undefined ? {} : { after }),
      limit: RETENTION_BATCH,
    };
    // Judged first without a transaction: most rounds find nothing to remove, and SQLite's
    // write lock is not worth taking for that. Only a batch with runs to remove is read again,
    // locked, and removed.
    let batch = await this.judge(db, tenantId, await selectPrunableRuns(db, scan));
    if (batch.pruned.length > 0) {
      batch = await runChange(this.deps, async (trx, now) => {
        const rows = await selectPrunableRuns(trx, { ...scan, lockFor: this.deps.store.dialect });
        const removed = await this.remove(
          trx,
          tenantId,
          await this.judge(trx, tenantId, rows),
          now,
        );
        if (removed.pruned.length > 0) {
          await appendAuditEvent(trx, this.deps.store.dialect, {
            tenantId,
            actor: RETENTION_ACTOR,
            action: PRUNE_ACTION,
            workflowId: null,
            subjectId: null,
            at: now,
            before: null,
            after: {
              finishedBefore: cutoff,
              workflow: null,
              pruned: removed.pruned.length,
              kept: removed.kept,
              retention: formatInterval(this.retentionMs ?? 0),
            },
          });
        }
        return removed;
      });
    }
    const full = batch.rows.length === RETENTION_BATCH;
    const tail = batch.rows.at(-1);
    // At the end of the tenant's runs the next batch starts over, so that runs kept for a
    // while (an active rollout's, a pending backtest's) are looked at again.
    if (full && tail !== undefined)
      this.#cursors.set(tenantId, { createdAt: tail.created_at, id: tail.id });
    else this.#cursors.delete(tenantId);
    return { pruned: batch.pruned.length, full };
  }

  /** Sorts a batch's rows into those that may go and those kept, by reason. */
  private async judge(q: Executor, tenantId: string, rows: PrunableRun[]): Promise<Batch> {
    const batch: Batch = { rows, pruned: [], kept: noneKept() };
    if (rows.length === 0) return batch;
    // Pending backtests before reports: a backtest that finishes in between has its report
    // committed by the time the reports are read, so its runs are held one way or the other.
    const pending = await workflowsWithPendingBacktests(q, tenantId);
    const named = await this.namedByBacktests(q, tenantId);
    const rollouts = await activeRolloutIds(q, tenantId);
    for (const row of rows) {
      const reason = keepReason(row, { pending, named, rollouts });
      if (reason === null) batch.pruned.push(row);
      else batch.kept[reason] += 1;
    }
    return batch;
  }

  /** Deletes a judged batch's runs and tallies those it really deleted, in `trx`. */
  private async remove(
    trx: StoreTransaction,
    tenantId: string,
    batch: Batch,
    now: string,
  ): Promise<Batch> {
    const deleted = await deletePrunableRuns(
      trx,
      tenantId,
      batch.pruned.map((run) => run.id),
    );
    const counts: PrunedCount[] = deleted.flatMap((run) =>
      run.version_id === null
        ? [] // a draft's test run: drafts have no run counts
        : [
            {
              versionId: run.version_id,
              rolloutId: run.rollout_id ?? "",
              kind: run.kind,
              status: run.status,
              count: 1,
            },
          ],
    );
    await addRunTallies(trx, tenantId, counts, now);
    return { ...batch, pruned: deleted };
  }

  /** The runs the tenant's backtest reports name, reading only reports not read before. */
  private async namedByBacktests(q: Executor, tenantId: string): Promise<Set<string>> {
    let known = this.#named.get(tenantId);
    if (known === undefined) {
      known = { read: new Set(), runs: new Set() };
      this.#named.set(tenantId, known);
    }
    const fresh = (await backtestIdsWithReports(q, tenantId)).filter((id) => !known.read.has(id));
    if (fresh.length > 0) {
      for (const id of await runsNamedByBacktests(q, tenantId, fresh)) known.runs.add(id);
      for (const id of fresh) known.read.add(id);
    }
    return known.runs;
  }

  /** The counts by version with their workflows' keys, by key then version number. */
  private async withKeys(
    tenantId: string,
    counts: ReadonlyArray<Omit<PrunedVersionCount, "workflow">>,
  ): Promise<PrunedVersionCount[]> {
    const ids = [...new Set(counts.map((entry) => entry.workflowId))];
    const keys = new Map<string, string>();
    for (let start = 0; start < ids.length; start += 500) {
      const rows = await this.deps.store.db
        .selectFrom("workflows")
        .select(["id", "key"])
        .where("tenant_id", "=", tenantId)
        .where("id", "in", ids.slice(start, start + 500))
        .execute();
      for (const row of rows) keys.set(row.id, row.key);
    }
    return counts
      .map((entry) => ({ ...entry, workflow: keys.get(entry.workflowId) ?? entry.workflowId }))
      .sort(
        (a, b) =>
          a.workflow.localeCompare(b.workflow) || (a.version ?? Infinity) - (b.version ?? Infinity),
      );
  }
}

/** A whole number from 1 to `max`, else `validation_failed` naming the option. */
function wholeNumber(value: number, name: string, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new StrataError(
      "validation_failed",
      `${name} must be a whole number from 1 to ${max}, not ${value}`,
    );
  }
  return value;
}
