/**
 * This process's row in the `workers` table (`strata worker list`, GET /v1/workers): written
 * at start and on every heartbeat with the handlers it runs and the slots in use, deleted
 * when the loop stops. A missed heartbeat (the database is away) is simply tried again next
 * time; the row's age is what tells a lost process from a living one.
 */
import { hostname } from "node:os";
import { isStrataError } from "../core/errors.js";
import {
  deleteLostWorkers,
  deleteWorker,
  LOST_WORKER_KEPT_MS,
  upsertWorker,
} from "../store/worker-rows.js";
import type { Executor } from "./executor.js";

/** What started a worker loop. */
export type WorkerKind = "serve" | "worker" | "library";

/** What the registry needs from the loop. */
export interface WorkerRegistryOptions {
  kind: WorkerKind;
  concurrency: number;
  heartbeatMs: number;
  inFlight: () => number;
  onError: (error: unknown) => void;
}

/** Keeps this process's row fresh while the loop runs. */
export class WorkerRegistry {
  readonly #startedAt = new Date().toISOString();
  #timer: NodeJS.Timeout | null = null;
  #beat: Promise<void> = Promise.resolve();
  #failing = false;

  constructor(
    private readonly executor: Executor,
    private readonly options: WorkerRegistryOptions,
  ) {}

  /** Writes the row now and then every heartbeat. */
  start(): void {
    this.#beat = this.#write();
    this.#timer = setInterval(() => {
      this.#beat = this.#beat.then(() => this.#write());
    }, this.options.heartbeatMs);
    this.#timer.unref();
  }

  /** Stops the heartbeat and deletes the row (best effort: a lost row ages out). */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#beat;
    await deleteWorker(this.executor.store.db, this.executor.workerId).catch(() => undefined);
  }

  async #write(): Promise<void> {
    const { store, workerId, leaseMs } = this.executor;
    const now = new Date();
    try {
      await upsertWorker(store.db, {
        id: workerId,
        host: hostname(),
        pid: process.pid,
        kind: this.options.kind,
        handlers: JSON.stringify([...this.executor.handlerNames()].sort()),
        concurrency: this.options.concurrency,
        in_flight: this.options.inFlight(),
        lease_ms: leaseMs,
        heartbeat_ms: this.options.heartbeatMs,
        started_at: this.#startedAt,
        heartbeat_at: now.toISOString(),
      });
      await deleteLostWorkers(
        store.db,
        new Date(now.getTime() - LOST_WORKER_KEPT_MS).toISOString(),
      );
      this.#failing = false;
    } catch (error) {
      // The loop reports the database's absence already; say it here only once per streak.
      if (!this.#failing && !isStrataError(error, "store_unavailable")) this.options.onError(error);
      this.#failing = true;
    }
  }
}
