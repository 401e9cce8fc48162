/**
 * Backtests (DESIGN.md §5): stored jobs that replay many past production runs against a target
 * (a version or the draft, whose definition is copied when the job is created) and keep the
 * report. The runs are fixed when the job is created — those that ended between `since` and
 * the job's creation, newest first, at most `limit` — so running it again gives the same
 * report. A job runs on worker threads (every core), in the process that claims it: the worker
 * loop picks up queued jobs, and `run` runs one in the foreground (the CLI does, with a progress
 * bar). Progress is saved as batches finish; a cancel stops it within a batch.
 */
import { StrataError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import type { Backtest, BacktestReport } from "../core/replay/backtest-report.js";
import { parseInterval } from "../core/routing/interval.js";
import { runBacktestJob } from "../engine/backtest-pool.js";
import type { StoredRun } from "../engine/backtest-pool.js";
import { listBacktestRows } from "../store/backtest-rows.js";
import { runsBefore, versionIs } from "../store/run-rows.js";
import type { Executor as Queries } from "../store/workflow-rows.js";
import type { BacktestsTable } from "../store/schema.js";
import type { Selectable } from "kysely";
import type { CallContext, ServiceDeps } from "./deps.js";
import type { ReplayService } from "./replay-service.js";
import { registeredAdaptersTo } from "./replay-service.js";
import type { Page } from "./workflow-service.js";
import { requireWorkflow, workflowFilter } from "./workflow-service.js";

export type { Backtest };
/** The most runs one backtest replays. */
export const MAX_BACKTEST_RUNS = 1_000_000;
const DEFAULT_LIMIT = 10_000;
const PAGE_SIZE = 2_000;
/** How long a claim on a running job lasts without a progress write. */
const LEASE_MS = 60_000;

/** What creating a backtest takes. */
export interface CreateBacktestInput {
  /** The version to replay through, or `draft` (the default). */
  target?: number | "draft";
  /** Only runs of this version (default: every version). */
  version?: number;
  /** Only runs that started at or after this time: an ISO time, or an age like `30d`. */
  since?: string;
  /** At most this many runs, the newest (default 10,000). */
  limit?: number;
  /** A JSONata input adapter applied to every run's input. */
  adapter?: string;
  /** Task results or signal payloads by node, for effects the original runs never had. */
  mocks?: Record<string, unknown>;
}

type BacktestRow = Selectable<BacktestsTable>;

/** How to run a backtest in the foreground. */
export interface BacktestRunOptions {
  /** Worker threads (default: one per core). */
  threads?: number;
  /** Runs per batch handed to a worker (default 500); progress and cancels are per batch. */
  batchSize?: number;
  /** Hears how many runs are done, out of how many, after each batch. */
  onProgress?: (done: number, total: number) => void;
  /** Time expression evaluation (for the bench): the result then carries `timing`. */
  profile?: boolean;
}

/** Backtest operations. */
export class BacktestService {
  /** Jobs this process is running, so the worker loop never starts two at once. */
  #running = 0;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly replays: ReplayService,
    private readonly workerId: string,
  ) {}

  /** Creates a queued backtest of workflow `ref`. */
  async create(ctx: CallContext, ref: string, input: CreateBacktestInput = {}): Promise<Backtest> {
    const db = this.deps.store.db;
    const workflow = await requireWorkflow(db, ctx.tenantId, ref);
    const limit = input.limit ?? DEFAULT_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_BACKTEST_RUNS) {
      throw new StrataError(
        "validation_failed",
        `limit must be a whole number from 1 to ${MAX_BACKTEST_RUNS}, not ${limit}`,
      );
    }
    const now = this.deps.clock.now();
    const since = input.since === undefined ? null : resolveSince(input.since, now);
    const target = await this.replays.target(ctx, workflow, input.target ?? "draft");
    if (input.adapter !== undefined) this.replays.compileAdapter(input.adapter);
    const id = newId("bkt");
    await this.deps.store.transaction((trx) =>
      trx
        .insertInto("backtests")
        .values({
          tenant_id: ctx.tenantId,
          id,
          workflow_id: workflow.id,
          target: target.versionNumber === null ? "draft" : String(target.versionNumber),
          target_version_id: target.versionNumber === null ? null : target.versionId,
          target_definition: target.definition ?? "{}",
          source_number: input.version ?? null,
          since,
          run_limit: limit,
          adapter: input.adapter ?? null,
          mocks: input.mocks === undefined ? null : JSON.stringify(input.mocks),
          status: "queued",
          total: null,
          report: null,
          error: null,
          lease_owner: null,
          lease_until: null,
          created_at: now.toISOString(),
          created_by: ctx.actor,
          started_at: null,
          finished_at: null,
        })
        .execute(),
    );
    return this.show(ctx, id);
  }

  /** One backtest. */
  async show(ctx: CallContext, id: string): Promise<Backtest> {
    const row = await findBacktest(this.deps.store.db, ctx.tenantId, id);
    if (row === undefined) throw backtestNotFound(id);
    return toBacktest(row);
  }

  /** Backtests, newest first; optionally of one workflow. */
  async list(
    ctx: CallContext,
    options: { workflow?: string; limit?: number; cursor?: string } = {},
  ): Promise<Page<Backtest>> {
    const db = this.deps.store.db;
    const workflowId = await workflowFilter(db, ctx.tenantId, options.workflow);
    const limit = options.limit ?? 50;
    const rows = await listBacktestRows(db, ctx.tenantId, {
      ...(workflowId === undefined ? {} : { workflowId }),
      ...(options.cursor === undefined ? {} : { beforeId: options.cursor }),
      limit: limit + 1,
    });
    const items = rows.slice(0, limit).map(toBacktest);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last !== undefined ? last.id : null };
  }

  /** Cancels a backtest: a queued one at once, a running one within a batch. */
  async cancel(ctx: CallContext, id: string): Promise<Backtest> {
    const now = this.deps.clock.now().toISOString();
    await this.deps.store.transaction(async (trx) => {
      await trx
        .updateTable("backtests")
        .set({ status: "cancelled", finished_at: now, cancel_requested: 1 })
        .where("tenant_id", "=", ctx.tenantId)
        .where("id", "=", id)
        .where("status", "=", "queued")
        .execute();
      await trx
        .updateTable("backtests")
        .set({ cancel_requested: 1 })
        .where("tenant_id", "=", ctx.tenantId)
        .where("id", "=", id)
        .where("status", "=", "running")
        .execute();
    });
    return this.show(ctx, id);
  }

  /**
   * Runs a queued backtest now, in this process, and returns it finished (or cancelled).
   * `onProgress` hears how many runs are done out of how many.
   */
  async run(
    ctx: CallContext,
    id: string,
    options: BacktestRunOptions = {},
  ): Promise<Backtest & { timing?: { busyNs: number; expressionNs: number; threads: number } }> {
    const claimed = await this.claim(ctx.tenantId, id);
    if (!claimed) {
      const current = await this.show(ctx, id);
      if (current.status === "queued") throw new Error("the backtest could not be claimed");
      return current;
    }
    const timing = await this.execute(ctx.tenantId, id, options);
    return { ...(await this.show(ctx, id)), ...(timing === undefined ? {} : { timing }) };
  }

  /**
   * Starts the oldest queued backtest of any tenant in the background, if this process runs
   * none (the worker loop calls this). Returns 1 when it started one.
   */
  async runQueued(): Promise<number> {
    if (this.#running > 0) return 0;
    const now = this.deps.clock.now().toISOString();
    const candidate = await this.deps.store.db
      .selectFrom("backtests")
      .select(["tenant_id", "id"])
      .where((eb) =>
        eb.or([
          eb("status", "=", "queued"),
          eb.and([eb("status", "=", "running"), eb("lease_until", "<", now)]),
        ]),
      )
      .orderBy("created_at")
      .limit(1)
      .executeTakeFirst();
    if (candidate === undefined || !(await this.claim(candidate.tenant_id, candidate.id))) return 0;
    void this.execute(candidate.tenant_id, candidate.id, {}).catch(() => undefined);
    return 1;
  }

  /** Takes a queued job (or one whose runner's lease expired) for this process. */
  private async claim(tenantId: string, id: string): Promise<boolean> {
    const now = this.deps.clock.now();
    const result = await this.deps.store.transaction((trx) =>
      trx
        .updateTable("backtests")
        .set({
          status: "running",
          lease_owner: this.workerId,
          lease_until: new Date(now.getTime() + LEASE_MS).toISOString(),
          started_at: now.toISOString(),
          done: 0,
        })
        .where("tenant_id", "=", tenantId)
        .where("id", "=", id)
        .where((eb) =>
          eb.or([
            eb("status", "=", "queued"),
            eb.and([eb("status", "=", "running"), eb("lease_until", "<", now.toISOString())]),
          ]),
        )
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) === 1;
  }

  /** Replays the job's runs and stores the report (or the failure). */
  private async execute(
    tenantId: string,
    id: string,
    options: BacktestRunOptions,
  ): Promise<{ busyNs: number; expressionNs: number; threads: number } | undefined> {
    this.#running += 1;
    const db = this.deps.store.db;
    try {
      const row = await findBacktest(db, tenantId, id);
      if (row === undefined) return undefined;
      const total = await countSource(db, row);
      await this.deps.store.transaction((trx) =>
        trx
          .updateTable("backtests")
          .set({ total })
          .where("tenant_id", "=", tenantId)
          .where("id", "=", id)
          .execute(),
      );
      let cancelled = false;
      const outcome = await runBacktestJob({
        targetDefinition: row.target_definition,
        targetVersionId: row.target_version_id ?? "draft",
        targetVersionNumber: row.target === "draft" ? null : Number(row.target),
        adapter: row.adapter,
        registeredAdapters:
          row.adapter !== null || row.target === "draft"
            ? {}
            : await registeredAdaptersTo(db, tenantId, row.workflow_id, Number(row.target)),
        mocks: row.mocks === null ? null : (JSON.parse(row.mocks) as Record<string, unknown>),
        pages: sourcePages(db, row, total),
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        profile: options.profile === true,
        onProgress: async (done) => {
          options.onProgress?.(done, total);
          // One small write per batch: progress, the lease, and whether to stop.
          const lease = new Date(this.deps.clock.now().getTime() + LEASE_MS).toISOString();
          const state = await this.deps.store.transaction((trx) =>
            trx
              .updateTable("backtests")
              .set({ done, lease_until: lease })
              .where("tenant_id", "=", tenantId)
              .where("id", "=", id)
              .returning(["cancel_requested"])
              .executeTakeFirst(),
          );
          cancelled = Number(state?.cancel_requested ?? 0) === 1;
        },
        shouldStop: () => cancelled,
      });
      const finished = this.deps.clock.now().toISOString();
      await this.deps.store.transaction((trx) =>
        trx
          .updateTable("backtests")
          .set({
            status: outcome.stopped ? "cancelled" : "completed",
            done: outcome.report.total,
            report: JSON.stringify(outcome.report),
            finished_at: finished,
            lease_owner: null,
            lease_until: null,
          })
          .where("tenant_id", "=", tenantId)
          .where("id", "=", id)
          .execute(),
      );
      return {
        busyNs: outcome.busyNs,
        expressionNs: outcome.expressionNs,
        threads: outcome.threads,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.deps.store.transaction((trx) =>
        trx
          .updateTable("backtests")
          .set({
            status: "failed",
            error: message,
            finished_at: this.deps.clock.now().toISOString(),
          })
          .where("tenant_id", "=", tenantId)
          .where("id", "=", id)
          .execute(),
      );
      throw error;
    } finally {
      this.#running -= 1;
    }
  }
}

/** `30d`, `12h`, `PT1H` (an age), or an ISO time. */
function resolveSince(since: string, now: Date): string {
  const time = Date.parse(since);
  if (/^\d{4}-\d\d-\d\d/.test(since) && !Number.isNaN(time)) return new Date(time).toISOString();
  let ms: number;
  try {
    ms = parseInterval(since, "since");
  } catch {
    throw new StrataError(
      "validation_failed",
      `since is an ISO time (2026-05-01T00:00:00Z) or an age (30d, 12h), not ${JSON.stringify(since)}`,
    );
  }
  return new Date(now.getTime() - ms).toISOString();
}

/** The job's runs: production runs of its workflow that ended, newest first. */
function sourceQuery(q: Queries, row: BacktestRow) {
  return q
    .selectFrom("runs")
    .where("tenant_id", "=", row.tenant_id)
    .where("workflow_id", "=", row.workflow_id)
    .where("kind", "=", "production")
    .where("status", "in", ["completed", "failed"])
    .where("created_at", "<", row.created_at)
    .$if(row.since !== null, (qb) => qb.where("created_at", ">=", row.since ?? ""))
    .$if(row.source_number !== null, (qb) =>
      qb.where(versionIs(row.tenant_id, row.workflow_id, row.source_number ?? 0)),
    );
}

async function countSource(q: Queries, row: BacktestRow): Promise<number> {
  // Counts at most the limit: the subquery stops there, however many runs match.
  const counted = await q
    .selectFrom(sourceQuery(q, row).select("id").limit(row.run_limit).as("source"))
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .executeTakeFirst();
  return Number(counted?.count ?? 0);
}

/** The job's runs in pages, keyset-paginated on (created_at, id), newest first. */
async function* sourcePages(
  q: Queries,
  row: BacktestRow,
  total: number,
): AsyncGenerator<StoredRun[]> {
  let left = total;
  let after: { createdAt: string; id: string } | undefined;
  while (left > 0) {
    const rows = await sourceQuery(q, row)
      .select(["id", "kind", "input", "status", "output", "trace", "created_at", "version_number"])
      .$if(after !== undefined, (qb) => qb.where(runsBefore(after)))
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(Math.min(PAGE_SIZE, left))
      .execute();
    if (rows.length === 0) return;
    left -= rows.length;
    const last = rows.at(-1);
    if (last !== undefined) after = { createdAt: last.created_at, id: last.id };
    yield rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      input: r.input,
      status: r.status,
      output: r.output,
      trace: r.trace,
      createdAt: r.created_at,
      versionNumber: r.version_number,
    }));
  }
}

async function findBacktest(
  q: Queries,
  tenantId: string,
  id: string,
): Promise<BacktestRow | undefined> {
  return q
    .selectFrom("backtests")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .executeTakeFirst();
}

function toBacktest(row: BacktestRow): Backtest {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    target: row.target === "draft" ? "draft" : Number(row.target),
    sourceVersion: row.source_number === null ? null : Number(row.source_number),
    since: row.since,
    until: row.created_at,
    limit: Number(row.run_limit),
    adapter: row.adapter,
    status: row.status,
    cancelRequested: Number(row.cancel_requested) === 1,
    total: row.total === null ? null : Number(row.total),
    done: Number(row.done),
    report: row.report === null ? null : (JSON.parse(row.report) as BacktestReport),
    error: row.error,
    createdAt: row.created_at,
    createdBy: row.created_by,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

function backtestNotFound(id: string): StrataError {
  return new StrataError("not_found", `no backtest ${id}; list them with \`strata backtest list\``);
}
