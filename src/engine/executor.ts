/**
 * The durable executor (DESIGN.md §4): starts runs, applies signals and cancels, and — as the
 * worker — runs due tasks and fires due timers. The pure interpreter decides every step; the
 * executor commits the run at its effects: at start, before a task (the pending task is in the
 * committed snapshot) and after it, at each wait and at the end. Pure nodes between effects are
 * not committed one by one: after a crash they simply run again from the last snapshot, and
 * decide the same way because time and randomness come from the snapshot and the step.
 */
import { describeInputErrors, inputErrors } from "../core/interpreter/input-errors.js";
import { evaluateRoutingKey } from "../core/interpreter/routing-key.js";
import type { Definition } from "../core/definition/definition.js";
import type { Clock } from "../core/clock.js";
import { StrataError, coerceError, isStrataError } from "../core/errors.js";
import { retryWhile } from "../core/backoff.js";
import { LruCache } from "../core/lru-cache.js";
import { newId } from "../core/ids.js";
import {
  advance,
  compileDefinition,
  initialSnapshot,
  isWaitingFor,
} from "../core/interpreter/index.js";
import type {
  Advance,
  CompiledDefinition,
  RunEvent,
  RunSnapshot,
} from "../core/interpreter/index.js";
import type { Run, RunKind, RunRoute } from "../core/model.js";
import { claimDueRuns } from "../store/queries/claim-due-runs.js";
import type { ClaimedRow } from "../store/queries/claim-due-runs.js";
import { outcomeStatements, outcomesInFewStatements } from "../store/queries/commit-outcomes.js";
import type { OutcomeColumns, OutcomeWrite } from "../store/queries/commit-outcomes.js";
import { findRun, insertRunQueries, insertRuns, updateRunAtRev } from "../store/run-rows.js";
import type { NewRunRow, RunRow } from "../store/run-rows.js";
import type { Store, StoreTransaction } from "../store/store.js";
import { retryingConflicts } from "../store/store-faults.js";
import type { StrataSchema } from "../store/schema.js";
import type { Kysely } from "kysely";
import type { Executor as Executor_ } from "../store/workflow-rows.js";
import { findVersionById } from "../store/version-rows.js";
import { GroupCommit } from "./group-commit.js";
import type { HandlerRegistry } from "./handlers.js";
import { runTask } from "./run-task.js";
import { AttemptControl } from "./attempt-control.js";
import { appendTrace, encodeRoute, encodeTrace, snapshotColumns, toRun } from "./run-record.js";

/** A run's status change, for metrics and other observers (test runs included; filter by kind). */
export interface RunTransition {
  tenantId: string;
  workflowId: string;
  versionNumber: number | null;
  kind: RunKind;
  /** Null when the run was just started. */
  from: Run["status"] | null;
  to: Run["status"];
}

/** How many compiled definitions one process keeps. */
const COMPILED_LIMIT = 512;

/** The most runs one lease renewal names. */
const RENEW_CHUNK = 500;

/** The lease unless configured otherwise. */
export const DEFAULT_LEASE_MS = 60_000;

/** A run leased to this process by {@link Executor.claim}, to hand to {@link Executor.work}. */
export type ClaimedRun = ClaimedRow;

/** What the executor needs. */
export interface ExecutorOptions {
  store: Store;
  clock: Clock;
  handlers: HandlerRegistry;
  /** The most nodes one run may execute (default 1,000). */
  stepLimit?: number;
  /** How long a claimed task stays leased before another worker may take it (default 60 s). */
  leaseMs?: number;
  /** How often a task in flight extends its lease, in ms (default: a third of the lease). */
  heartbeatMs?: number;
  /** Identifies this process's leases. */
  workerId?: string;
  /** Told about unexpected failures while running due work (default: printed to stderr). */
  onError?: (error: unknown) => void;
}

/** A worker's change to one run, applied only if the run is still as it was claimed. */
interface Outcome {
  write: OutcomeWrite;
  /** The change makes the run due at once (a retry without delay, the next task). */
  dueNow: boolean;
}

/** The version a run starts on, as the caller resolved it. */
export interface StartVersion {
  id: string;
  /** Null for the draft. */
  number: number | null;
  hash: string;
  /**
   * Canonical JSON of the definition: required for the draft (the run keeps it); for a
   * published version it may be null and is read only when not compiled yet.
   */
  definition: string | null;
}

/** A run to start. */
export interface StartRunRequest {
  tenantId: string;
  actor: string;
  workflowId: string;
  version: StartVersion;
  kind: RunKind;
  input: unknown;
  route: RunRoute;
  /** The binding the run comes through, by id (the route names it by name). */
  bindingId?: string | null;
  routingKey?: string | null;
  idempotencyKey?: string | null;
  requestHash?: string | null;
}

/** Runs workflows durably over a store. */
export class Executor {
  readonly workerId: string;
  /**
   * Compiled definitions by content hash (a hash always names the same definition), the most
   * recently used kept: a retired version's runs stop starting, so its entry ages out first.
   */
  readonly #compiled = new LruCache<string, CompiledDefinition>(COMPILED_LIMIT);
  /**
   * The hash of each published version met, by version id: a version's run stores no hash of
   * its own (its version's never changes, L2), and this finds its compiled definition without
   * reading the version again.
   */
  readonly #versionHashes = new LruCache<string, string>(COMPILED_LIMIT * 4);
  readonly #inserts: GroupCommit<NewRunRow, undefined>;
  /** Workers' outcomes (task results, fired timers), committed together like starts. */
  readonly #outcomes: GroupCommit<Outcome, boolean>;
  /** Attempts running here, by run (a set: a run reclaimed here after its lease ran out). */
  readonly #inflight = new Map<string, Set<AttemptControl>>();
  /** The claimed rows whose task is running here: the leases {@link #renewLeases} extends. */
  readonly #leased = new Set<ClaimedRow>();
  /** The one timer that extends them, while there are any. */
  #leaseTimer: NodeJS.Timeout | undefined;
  readonly #dueListeners = new Set<() => void>();
  readonly #transitionListeners = new Set<(transition: RunTransition) => void>();

  constructor(private readonly options: ExecutorOptions) {
    this.options = { onError: (error) => console.error("strata worker:", error), ...options };
    this.workerId = options.workerId ?? newId("run").replace("run_", "worker_");
    const { store } = options;
    const { writeBatch } = store;
    this.#inserts = new GroupCommit(
      async (rows) => {
        // Off the event loop where the store can (SQLite's write thread).
        if (writeBatch !== undefined) await writeBatch(insertRunQueries(store.db, rows));
        else {
          // In counter-key order: the statements' triggers (migration 0010) then lock counter
          // rows in one order in every transaction, so two batches cannot deadlock on them.
          const sorted = [...rows].sort(byCounterKey);
          await retryingConflicts(() =>
            store.transaction(async (trx) => {
              await insertRuns(trx, sorted);
              if (rows.some(isDueNow)) await store.announceDue?.(trx);
            }),
          );
        }
        return rows.map(() => undefined);
      },
      // The write thread takes the next batches while it commits one, and commits together
      // whatever queued up meanwhile; so a start is handed over at once (ADR 0008).
      writeBatch === undefined ? {} : { inFlight: 4, eager: true },
    );
    this.#outcomes = new GroupCommit(
      (outcomes) => this.#writeOutcomes(outcomes),
      // Like starts: batches overlap on the write thread (SQLite) or on the pool (PostgreSQL).
      writeBatch === undefined ? { inFlight: 4 } : { inFlight: 4, eager: true },
    );
  }

  /**
   * One batch of outcomes (src/store/queries/commit-outcomes.ts): through the write thread
   * where the store has one, else in one statement; whether each applied.
   */
  async #writeOutcomes(outcomes: readonly Outcome[]): Promise<boolean[]> {
    const { store } = this.options;
    const writes = outcomes.map((outcome) => outcome.write);
    if (store.writeBatch !== undefined) {
      const changed = await store.writeBatch(outcomeStatements(store.db, writes, this.workerId));
      return changed.map((rows) => rows > 0);
    }
    const statements = outcomesInFewStatements(writes, this.workerId, store.dialect);
    const announce = store.announceDue !== undefined && outcomes.some((o) => o.dueNow);
    // A statement commits by itself (each outcome stands alone); a notification must share
    // the transaction of the outcomes it announces.
    const execute = async (q: Kysely<StrataSchema>) => {
      const rows = [];
      for (const statement of statements) rows.push(...(await q.executeQuery(statement)).rows);
      return rows;
    };
    // A conflict (two batches locking the same counter rows, migration 0010) rolls the batch
    // back whole; it is run again rather than failing the attempts it carries.
    const rows = await retryingConflicts(() =>
      announce || statements.length > 1
        ? store.transaction(async (trx) => {
            const applied = await execute(trx);
            if (announce) await store.announceDue?.(trx);
            return applied;
          })
        : execute(store.db),
    );
    const applied = new Set(rows.map((row) => `${row.tenant_id}/${row.id}`));
    return writes.map((write) => applied.has(`${write.tenantId}/${write.runId}`));
  }

  /** The store this executor writes to. */
  get store(): Store {
    return this.options.store;
  }

  /** How long a claim lasts. */
  get leaseMs(): number {
    return this.options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /** The task handlers registered in this process. */
  handlerNames(): Iterable<string> {
    return this.options.handlers.names();
  }

  /** How many task attempts are running in this process now. */
  get tasksInFlight(): number {
    let attempts = 0;
    for (const running of this.#inflight.values()) attempts += running.size;
    return attempts;
  }

  /** Calls `listener` after each committed status change of a run made by this process. */
  onTransition(listener: (transition: RunTransition) => void): () => void {
    this.#transitionListeners.add(listener);
    return () => this.#transitionListeners.delete(listener);
  }

  #emit(row: ClaimedRow, from: Run["status"] | null, to: Run["status"] | undefined): void {
    if (to === undefined || to === from) return;
    const transition = {
      tenantId: row.tenant_id,
      workflowId: row.workflow_id,
      versionNumber: row.version_number,
      kind: row.kind,
      from,
      to,
    };
    for (const listener of this.#transitionListeners) listener(transition);
  }

  /** Calls `listener` whenever this process creates work that is due now. */
  onDue(listener: () => void): () => void {
    this.#dueListeners.add(listener);
    return () => this.#dueListeners.delete(listener);
  }

  /**
   * Validates the input, runs the definition up to its first effect, and commits the run (with
   * other starts of the same moment, in one transaction). A pure decision flow comes back
   * completed; one that reaches a task or a wait comes back running or waiting.
   */
  async start(request: StartRunRequest): Promise<Run> {
    const compiled = await this.#compileVersion(request.tenantId, request.version);
    assertInput(compiled, request.input);
    const runId = newId("run");
    const now = this.options.clock.now();
    const env = this.#env(runId, request.version, request.kind, now);
    const step = await advance(
      compiled,
      initialSnapshot(compiled, request.input),
      { type: "start" },
      env,
    );
    const at = now.toISOString();
    const row: RunRow = {
      tenant_id: request.tenantId,
      id: runId,
      workflow_id: request.workflowId,
      version_id: request.version.number === null ? null : request.version.id,
      draft_id: request.version.number === null ? request.version.id : null,
      version_number: request.version.number,
      kind: request.kind,
      input: JSON.stringify(step.snapshot.input),
      route: encodeRoute(request.route, request.routingKey ?? null),
      routing_key: request.routingKey ?? null,
      // A draft's hash (its run keeps the definition it ran); a published version's run finds
      // its definition through the version, so it stores none (issue 17: 71 bytes a run).
      definition_hash: request.version.number === null ? request.version.hash : "",
      draft_definition: request.version.number === null ? request.version.definition : null,
      trace: encodeTrace(step.trace, at),
      lease_owner: null,
      lease_until: null,
      idempotency_key: request.idempotencyKey ?? null,
      request_hash: request.requestHash ?? null,
      rev: 0,
      created_by: request.actor,
      created_at: at,
      updated_at: at,
      rollout_id: request.route.rolloutId ?? null,
      binding_id: request.bindingId ?? null,
      migrations: null,
      ...snapshotColumns(step.snapshot, at),
    };
    await this.#inserts.add(row);
    this.#emit(row, null, row.status);
    if (row.due_at !== null && row.due_at <= at) this.#notifyDue();
    return toRun(row, { snapshot: step.snapshot, trace: step.trace, route: request.route });
  }

  /** The compiled definition of a version (from the cache by hash, else read and compiled). */
  compiledVersion(tenantId: string, version: StartVersion): Promise<CompiledDefinition> {
    return this.#compileVersion(tenantId, version);
  }

  /**
   * The routing key `version`'s definition computes from `input` (its `routingKey`
   * expression), or null: a rollout then assigns the run at random.
   */
  async routingKeyFor(
    tenantId: string,
    version: StartVersion,
    input: unknown,
  ): Promise<string | null> {
    const compiled = await this.#compileVersion(tenantId, version);
    return evaluateRoutingKey(compiled, input, this.options.clock.now());
  }

  /** Delivers signal `name` to a run waiting for it (`run_not_waiting` otherwise). */
  async signal(tenantId: string, runId: string, name: string, payload: unknown): Promise<Run> {
    return this.#change(tenantId, runId, async (trx, row, snapshot, now) => {
      if (row.status !== "waiting" || !isWaitingFor(snapshot, name)) {
        const waiting = snapshot.pending?.type === "wait" ? snapshot.pending.signal : undefined;
        throw new StrataError(
          "run_not_waiting",
          `run ${runId} is ${row.status}${waiting === undefined ? "" : ` and waits for signal '${waiting}'`}, not for '${name}'`,
          { details: { status: row.status, waitingFor: waiting ?? null } },
        );
      }
      const event: RunEvent = { type: "signal", name, payload: payload ?? null };
      const changes = await this.#advanceRow(trx, row, snapshot, event, now);
      // A worker may hold a lease on this run's timer: the signal wins (the worker's late
      // outcome fails its revision check), and the run's next task must not wait for it.
      return { ...changes, lease_owner: null, lease_until: null };
    });
  }

  /** Ends a running or waiting run as `cancelled`; a task in flight here is aborted. */
  async cancel(tenantId: string, runId: string, actor: string): Promise<Run> {
    const run = await this.#change(tenantId, runId, (_trx, row, _snapshot, now) => {
      if (row.status !== "running" && row.status !== "waiting") {
        throw new StrataError(
          "run_finished",
          `run ${runId} is already ${row.status}; only running or waiting runs can be cancelled`,
        );
      }
      const at = now.toISOString();
      const error = { code: "cancelled", message: `cancelled by ${actor}` };
      return Promise.resolve({
        status: "cancelled" as const,
        error: JSON.stringify(error),
        due_at: null,
        wait_signal: null,
        lease_owner: null,
        lease_until: null,
        ended_at: at,
        updated_at: at,
      });
    });
    for (const attempt of this.#inflight.get(runId) ?? [])
      attempt.abort(new Error("the run was cancelled"));
    return run;
  }

  /** One run by id (`not_found` when it does not exist in the tenant). */
  async get(tenantId: string, runId: string): Promise<Run> {
    const row = await findRun(this.options.store.db, tenantId, runId);
    if (row === undefined) throw runNotFound(runId);
    return toRun(row);
  }

  /**
   * Leases up to `limit` due runs to this process: task attempts whose handler it has, and
   * fired timers. Hand each to {@link work}.
   */
  async claim(limit: number): Promise<ClaimedRun[]> {
    const now = this.options.clock.now();
    const lease = new Date(now.getTime() + this.leaseMs).toISOString();
    // A claim lost in a crash costs nothing (the runs are claimable again): it need not wait
    // for the disk.
    return this.options.store.relaxedWrite((db) =>
      claimDueRuns(db, this.options.store.dialect, {
        owner: this.workerId,
        now: now.toISOString(),
        leaseUntil: lease,
        limit,
        handlers: [...this.options.handlers.names()],
      }),
    );
  }

  /**
   * Runs a claimed run's task or fires its timer, and commits the outcome. Never throws: a
   * run the engine cannot continue fails with the cause; while the database is away the run
   * is left leased, and another claim takes it once the lease has run out. `onAttempted` is
   * called once the handler is done and only the commit remains (or when there is nothing to
   * do): the worker loop frees the run's slot then.
   */
  work(run: ClaimedRun, onAttempted?: () => void): Promise<void> {
    return this.#process(run, onAttempted).catch((error: unknown) => this.#failStuck(run, error));
  }

  /**
   * One round: claims up to `limit` due runs, works on them in parallel and waits for all.
   * Returns how many it claimed. (The worker loop uses {@link claim} and {@link work} to keep
   * its slots full instead.)
   */
  async runDue(limit = 32): Promise<number> {
    const claimed = await this.claim(limit);
    await Promise.all(claimed.map((run) => this.work(run)));
    return claimed.length;
  }

  /**
   * A run whose step threw (not an expression failure, which the interpreter records, but
   * something unexpected) would otherwise be claimed again every lease, its task called again
   * each time. It fails instead, with the cause, and the error is reported.
   */
  async #failStuck(row: ClaimedRow, error: unknown): Promise<void> {
    // The database being away says nothing about the run: leave it to the next claim (the
    // worker loop reports the outage itself).
    if (isStrataError(error, "store_unavailable")) return;
    this.options.onError?.(error);
    const at = this.options.clock.now().toISOString();
    const failure = {
      code: "internal",
      message: `the engine could not continue this run: ${coerceError(error).message}`,
    };
    const failed = await this.options.store
      .transaction((trx) =>
        updateRunAtRev(
          trx,
          row.tenant_id,
          row.id,
          row.rev,
          {
            status: "failed",
            error: JSON.stringify(failure),
            due_at: null,
            wait_signal: null,
            task_handler: null,
            lease_owner: null,
            lease_until: null,
            ended_at: at,
            updated_at: at,
          },
          this.workerId,
        ),
      )
      .catch((second: unknown) => {
        this.options.onError?.(second);
        return false;
      });
    if (failed) this.#emit(row, row.status, "failed");
  }

  async #process(row: ClaimedRow, onAttempted?: () => void): Promise<void> {
    let told = false;
    const attempted = (): void => {
      if (told) return;
      told = true;
      onAttempted?.();
    };
    try {
      await this.#attempt(row, attempted);
    } finally {
      attempted();
    }
  }

  async #attempt(row: ClaimedRow, onAttempted: () => void): Promise<void> {
    const snapshot = JSON.parse(row.snapshot) as RunSnapshot;
    const pending = snapshot.pending;
    // Compile before calling a handler: a run that cannot continue fails before its effect.
    await this.#compileRow(this.options.store.db, row);
    let event: RunEvent;
    if (pending?.type === "task") {
      const control = new AttemptControl();
      const attempts = this.#inflight.get(row.id) ?? new Set<AttemptControl>();
      attempts.add(control);
      this.#inflight.set(row.id, attempts);
      this.#holdLease(row);
      try {
        event = await runTask(this.options.handlers, row.id, pending, control);
      } finally {
        this.#releaseLease(row);
        attempts.delete(control);
        if (attempts.size === 0) this.#inflight.delete(row.id);
      }
    } else if (pending?.type === "wait" && pending.deadline !== undefined) {
      event = { type: "timer" };
    } else {
      return; // nothing due after all (changed since it was claimed); the lease just lapses
    }
    const now = this.options.clock.now();
    const columns = await this.#advanceRow(this.options.store.db, row, snapshot, event, now);
    const dueNow = isDueNow(columns);
    onAttempted();
    // Only if the run is as we claimed it: a signal, a cancel or another worker may have won.
    const committed = await this.#commitOutcome({
      write: { tenantId: row.tenant_id, runId: row.id, rev: row.rev, columns },
      dueNow,
    });
    if (committed) this.#emit(row, row.status, columns.status);
    if (committed && dueNow) this.#notifyDue();
  }

  /**
   * Commits a task's outcome, and while the database is away keeps trying (jittered backoff)
   * for as long as the lease would have lasted: the attempt already happened, and committing
   * it late beats running it again. After that the run's lease has run out and another claim
   * runs the attempt again (at least once, with the same idempotency key); should this commit
   * still land after such a claim, its revision check refuses it, so one outcome counts.
   */
  #commitOutcome(outcome: Outcome): Promise<boolean> {
    return retryWhile(
      () => this.#outcomes.add(outcome),
      (error) => isStrataError(error, "store_unavailable"),
      { forMs: this.leaseMs, maxMs: Math.min(5000, this.leaseMs / 4) },
    );
  }

  /**
   * Keeps the lease of a task in flight while it runs, so a long task is not taken over by
   * another worker while this one is still working on it. One timer for the process, every
   * third of the lease (`heartbeatMs`), extends every lease held: a task that started just
   * after a beat is extended by the next, well before its lease runs out. If this process
   * dies, the beats stop and the leases run out.
   */
  #holdLease(row: ClaimedRow): void {
    this.#leased.add(row);
    if (this.#leaseTimer !== undefined) return;
    this.#leaseTimer = setInterval(
      () => this.#renewLeases(),
      Math.max(50, this.options.heartbeatMs ?? this.leaseMs / 3),
    );
    this.#leaseTimer.unref();
  }

  #releaseLease(row: ClaimedRow): void {
    this.#leased.delete(row);
    if (this.#leased.size > 0 || this.#leaseTimer === undefined) return;
    clearInterval(this.#leaseTimer);
    this.#leaseTimer = undefined;
  }

  /** Extends the leases held, one statement per tenant and 500 runs. */
  #renewLeases(): void {
    const until = new Date(this.options.clock.now().getTime() + this.leaseMs).toISOString();
    const byTenant = new Map<string, string[]>();
    for (const row of this.#leased) {
      const ids = byTenant.get(row.tenant_id);
      if (ids === undefined) byTenant.set(row.tenant_id, [row.id]);
      else ids.push(row.id);
    }
    for (const [tenantId, ids] of byTenant) {
      for (let from = 0; from < ids.length; from += RENEW_CHUNK) {
        this.options.store
          .relaxedWrite((db) =>
            db
              .updateTable("runs")
              .set({ lease_until: until })
              .where("tenant_id", "=", tenantId)
              .where("id", "in", ids.slice(from, from + RENEW_CHUNK))
              .where("lease_owner", "=", this.workerId)
              .execute(),
          )
          .catch(() => undefined); // a missed beat only shortens the leases
      }
    }
  }

  async #advanceRow(
    q: Executor_,
    row: ClaimedRow,
    snapshot: RunSnapshot,
    event: RunEvent,
    now: Date,
  ): Promise<OutcomeColumns> {
    const compiled = await this.#compileRow(q, row);
    const env = this.#env(
      row.id,
      { id: row.version_id ?? row.draft_id ?? "", number: row.version_number },
      row.kind,
      now,
    );
    const step: Advance = await advance(compiled, snapshot, event, env);
    const at = now.toISOString();
    return {
      ...snapshotColumns(step.snapshot, at),
      trace: appendTrace(row.trace, step, row.created_at),
      updated_at: at,
    };
  }

  /** Reads and locks a run, computes its change, and writes it in one transaction. */
  async #change(
    tenantId: string,
    runId: string,
    work: (
      trx: StoreTransaction,
      row: RunRow,
      snapshot: RunSnapshot,
      now: Date,
    ) => Promise<Partial<RunRow>>,
  ): Promise<Run> {
    const { store } = this.options;
    return store
      .transaction(async (trx) => {
        const row = await findRun(trx, tenantId, runId, store.dialect);
        if (row === undefined) throw runNotFound(runId);
        const changes = await work(
          trx,
          row,
          JSON.parse(row.snapshot) as RunSnapshot,
          this.options.clock.now(),
        );
        if (!(await updateRunAtRev(trx, tenantId, runId, row.rev, changes))) {
          throw new StrataError("internal", `run ${runId} changed while locked`);
        }
        const dueNow = isDueNow({ due_at: changes.due_at, updated_at: changes.updated_at ?? "" });
        if (dueNow) await store.announceDue?.(trx);
        return { row, changes, dueNow };
      })
      .then(({ row, changes, dueNow }) => {
        this.#emit(row, row.status, changes.status);
        if (dueNow) this.#notifyDue();
        return toRun({ ...row, ...changes, rev: row.rev + 1 });
      });
  }

  async #compileVersion(tenantId: string, version: StartVersion): Promise<CompiledDefinition> {
    if (version.number !== null) this.#versionHashes.set(version.id, version.hash);
    const cached = this.#compiled.get(version.hash);
    if (cached !== undefined) return cached;
    if (version.definition !== null)
      return this.#compile({ hash: version.hash, definition: version.definition });
    const row = await findVersionById(this.options.store.db, tenantId, version.id);
    if (row === undefined)
      throw new StrataError("not_found", `version ${version.id} no longer exists`);
    return this.#compile(row);
  }

  /** `q` must be the transaction when one is open: on SQLite it holds the only connection. */
  async #compileRow(q: Executor_, row: ClaimedRow): Promise<CompiledDefinition> {
    // Rows written before issue 17 carry their version's hash too.
    const hash =
      row.definition_hash !== ""
        ? row.definition_hash
        : this.#versionHashes.get(row.version_id ?? "");
    const cached = hash === undefined ? undefined : this.#compiled.get(hash);
    if (cached !== undefined) return cached;
    if (row.draft_definition !== null)
      return this.#compile({ hash: row.definition_hash, definition: row.draft_definition });
    const version = await findVersionById(q, row.tenant_id, row.version_id ?? "");
    if (version === undefined)
      throw new StrataError("internal", `the version of run ${row.id} is missing`);
    this.#versionHashes.set(version.id, version.hash);
    return this.#compile(version);
  }

  /** Compiles once per distinct definition; the least recently used go when the cache is full. */
  #compile(version: { hash: string; definition: string }): CompiledDefinition {
    const cached = this.#compiled.get(version.hash);
    if (cached !== undefined) return cached;
    const compiled = compileDefinition(JSON.parse(version.definition) as Definition);
    this.#compiled.set(version.hash, compiled);
    return compiled;
  }

  #env(runId: string, version: { id: string; number: number | null }, kind: RunKind, now: Date) {
    return {
      now,
      run: { id: runId, versionId: version.id, versionNumber: version.number, kind },
      ...(this.options.stepLimit === undefined ? {} : { stepLimit: this.options.stepLimit }),
    };
  }

  #notifyDue(): void {
    for (const listener of this.#dueListeners) listener();
  }
}

/** Whether a run row has something due at once (at or before its last change). */
function isDueNow(row: { due_at?: string | null; updated_at: string }): boolean {
  return row.due_at !== null && row.due_at !== undefined && row.due_at <= row.updated_at;
}

/** Checks a run's input against the version's input schema, reporting every error. */
function assertInput(compiled: CompiledDefinition, input: unknown): void {
  const errors = inputErrors(compiled, input);
  if (errors.length === 0) return;
  throw new StrataError(
    "input_invalid",
    `the input does not match the workflow's input schema (${describeInputErrors(errors)}); fix the input and start again`,
    { details: errors },
  );
}

/** The error for an unknown run id. */
export function runNotFound(runId: string): StrataError {
  return new StrataError("not_found", `no run ${runId}; list runs with \`strata run list\``);
}

/** Orders runs by the counter row their start adds to (`run_counts`' key, migration 0010). */
function byCounterKey(a: NewRunRow, b: NewRunRow): number {
  return (
    compareText(a.version_id ?? "", b.version_id ?? "") ||
    compareText(a.rollout_id ?? "", b.rollout_id ?? "") ||
    compareText(a.kind, b.kind) ||
    compareText(a.status, b.status)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
