/**
 * The bookkeeping of one prune (see retention-service.ts): which runs of a batch go and which
 * are kept, and why; how far the prune got, where its next batch resumes, and when it is
 * done. Pure: the service reads the rows and the holds and writes what this decides.
 */
import type { WorkflowRow } from "../store/workflow-rows.js";
import type {
  PrunableRun,
  PruneCursor,
  PruneScan,
  PrunedRun,
} from "../store/queries/prune-runs.js";

/** Why a finished run past the cutoff was kept. */
export type KeepReason = "auditLog" | "backtestReport" | "backtestPending" | "rolloutActive";

/** The runs of one version (`version: null`: a draft's test runs) a prune removed. */
export interface PrunedVersionCount {
  workflowId: string;
  workflow: string;
  version: number | null;
  count: number;
}

/** One batch's outcome: the rows looked at, those that go (or went), those kept. */
export interface Batch {
  rows: PrunableRun[];
  pruned: Array<PrunableRun | PrunedRun>;
  kept: Record<KeepReason, number>;
}

/** What holds runs back, read once per batch. */
export interface RunHolds {
  /** Workflows with a backtest queued or running (it will read their production runs). */
  pending: ReadonlySet<string>;
  /** Runs a backtest report names. */
  named: ReadonlySet<string>;
  /** Active rollouts (their guard and figures count their runs). */
  rollouts: ReadonlySet<string>;
}

/** Why `run` must stay, or null when it may go; the first reason that applies. */
export function keepReason(run: PrunableRun, holds: RunHolds): KeepReason | null {
  if (run.audit_named) return "auditLog";
  if (holds.named.has(run.id)) return "backtestReport";
  // A backtest reads completed and failed production runs (backtest-service.ts).
  if (run.kind === "production" && run.status !== "cancelled" && holds.pending.has(run.workflow_id))
    return "backtestPending";
  if (run.rollout_id !== null && holds.rollouts.has(run.rollout_id)) return "rolloutActive";
  return null;
}

/** A prune's resolved options. */
export interface PrunePlan {
  tenantId: string;
  finishedBefore: string;
  workflow: WorkflowRow | undefined;
  dryRun: boolean;
  batchSize: number;
  limit: number | undefined;
}

/**
 * How far a prune got: how many runs it removed (by version) and kept, where it resumes,
 * whether it is done. Counts only, so a prune of millions of runs holds no list of them.
 */
export class PruneProgress {
  pruned = 0;
  kept = noneKept();
  done = false;
  more = false;
  readonly #byVersion = new Map<string, Omit<PrunedVersionCount, "workflow">>();
  #cursor: PruneCursor | undefined;

  constructor(readonly plan: PrunePlan) {}

  /** How many rows the next batch reads: a batch, or what is left of `limit`. */
  get take(): number {
    return Math.min(this.plan.batchSize, (this.plan.limit ?? Infinity) - this.pruned);
  }

  /** The next batch's selection. */
  scan(): PruneScan {
    return {
      tenantId: this.plan.tenantId,
      finishedBefore: this.plan.finishedBefore,
      ...(this.plan.workflow === undefined ? {} : { workflowId: this.plan.workflow.id }),
      ...(this.#cursor === undefined ? {} : { after: this.#cursor }),
      limit: this.take,
    };
  }

  /** Whether `batch` (not yet added) is the last: the runs ran out, or `limit` is reached. */
  endsWith(batch: Batch): boolean {
    return batch.rows.length < this.take || this.hitsLimit(batch);
  }

  /** The totals with `batch` added, as the audit event states them. */
  summary(batch?: Batch): Record<string, unknown> {
    return {
      pruned: this.pruned + (batch?.pruned.length ?? 0),
      kept: sumKept(this.kept, batch?.kept),
      ...(batch !== undefined && this.hitsLimit(batch) ? { more: true } : {}),
    };
  }

  /** Adds a batch that was committed (or, in a dry run, judged). */
  advance(batch: Batch): void {
    this.done = this.endsWith(batch);
    this.more = this.hitsLimit(batch);
    this.pruned += batch.pruned.length;
    this.kept = sumKept(this.kept, batch.kept);
    for (const run of batch.pruned) {
      const key = `${run.workflow_id} ${run.version_number ?? "draft"}`;
      const entry = this.#byVersion.get(key);
      if (entry !== undefined) entry.count += 1;
      else {
        const version = run.version_number;
        this.#byVersion.set(key, { workflowId: run.workflow_id, version, count: 1 });
      }
    }
    const tail = batch.rows.at(-1);
    if (tail !== undefined) this.#cursor = { createdAt: tail.created_at, id: tail.id };
  }

  /** The runs removed, by workflow id and version number. */
  byVersion(): Array<Omit<PrunedVersionCount, "workflow">> {
    return [...this.#byVersion.values()];
  }

  /** Whether `limit` stops the prune after `batch` while runs may remain. */
  private hitsLimit(batch: Batch): boolean {
    return (
      this.plan.limit !== undefined &&
      batch.rows.length === this.take &&
      this.pruned + batch.pruned.length >= this.plan.limit
    );
  }
}

export function noneKept(): Record<KeepReason, number> {
  return { auditLog: 0, backtestReport: 0, backtestPending: 0, rolloutActive: 0 };
}

export function sumKept(
  a: Record<KeepReason, number>,
  b: Record<KeepReason, number> | undefined,
): Record<KeepReason, number> {
  const sum = { ...a };
  if (b !== undefined)
    for (const reason of Object.keys(sum) as KeepReason[]) sum[reason] += b[reason];
  return sum;
}
