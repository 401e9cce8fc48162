/**
 * Commits off the event loop. better-sqlite3 is synchronous: a COMMIT (its page writes and
 * fsync) stops everything else the process does until it returns. Batches of writes that need
 * no reads in between (run starts, committed by group commit) go instead to a worker thread with
 * a connection of its own to the same file, and the event loop parses, authenticates and
 * decides the next requests meanwhile. Measured over HTTP: see docs/performance.md.
 *
 * The thread and the main connection's transactions never write at the same time: both take
 * the store's write lock first (see ./sqlite-store.ts), so neither waits in SQLite's busy
 * handler, which sleeps and would block the event loop.
 */
import { Worker } from "node:worker_threads";
import type { CompiledQuery } from "kysely";
import { workerScript } from "../../core/worker-script.js";
import type { Synchronous } from "./connection-settings.js";
import { encodeBatch } from "./write-batch-codec.js";

/** What the thread is started with. */
export interface WriteThreadOptions {
  path: string;
  synchronous: Synchronous;
}

/**
 * A message to the thread (`statements`: see ./write-batch-codec.ts). A `relaxed` write need
 * not wait for the disk: when everything the thread commits together is relaxed, it commits
 * with `synchronous = NORMAL`. A write that returns rows (`RETURNING`, for a claim) is answered
 * with the rows of its last statement.
 */
export type WriteRequest =
  { type: "write"; id: number; statements: string; relaxed?: boolean } | { type: "close" };

/** The outcome of one write: rows changed per statement, or why it rolled back. */
export type WriteResult =
  | { id: number; changes: number[]; rows?: unknown[] }
  | { id: number; error: { message: string; code?: string } };

/** A message from the thread: it is ready, or the outcomes of the writes it just ran. */
export type WriteAnswer = { ready: true } | { answers: WriteResult[] };

interface Pending {
  resolve: (result: { changes: number[]; rows?: unknown[] }) => void;
  reject: (error: Error) => void;
}

/** The main thread's end of the write thread. */
export class SqliteWriteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #failure: Error | undefined;
  readonly #exited: Promise<void>;
  /** Settles once the thread has opened its connection (or failed to). */
  readonly ready: Promise<void>;

  constructor(options: WriteThreadOptions) {
    const { script, eval: isEval } = workerScript(import.meta.url, "write-thread-worker");
    this.#worker = new Worker(script, { eval: isEval, workerData: options });
    // Idle, the thread must not keep the process alive; with writes pending, it must.
    this.#worker.unref();
    let opened: () => void = () => undefined;
    let failedToOpen: (error: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      opened = resolve;
      failedToOpen = reject;
    });
    this.#worker.on("message", (answer: WriteAnswer) => {
      if ("ready" in answer) opened();
      else for (const result of answer.answers) this.#settle(result);
    });
    this.#worker.on("error", (error) => {
      failedToOpen(error);
      this.#fail(error);
    });
    this.#exited = new Promise((resolve) => {
      this.#worker.once("exit", () => {
        const stopped = new Error("the SQLite write thread stopped");
        failedToOpen(stopped);
        this.#fail(stopped);
        resolve();
      });
    });
  }

  /** Whether the thread has stopped or failed: it takes no more writes. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /**
   * Runs `queries` in one transaction on the thread; the rows each changed. Writes may be
   * handed over while earlier ones are still committing: the thread commits whatever has
   * queued up together, and each promise settles once its own statements committed.
   */
  async write(queries: readonly CompiledQuery[]): Promise<number[]> {
    return (await this.#send(encodeBatch(queries), false)).changes;
  }

  /**
   * Runs one statement on the thread, committed by itself (or with what the thread commits
   * beside it) without waiting for the disk: the rows it returned and the rows it changed.
   */
  async relaxed(query: CompiledQuery): Promise<{ rows: unknown[]; changes: number }> {
    const { changes, rows } = await this.#send(encodeBatch([query]), true);
    return { rows: rows ?? [], changes: changes[0] ?? 0 };
  }

  #send(statements: string, relaxed: boolean): Promise<{ changes: number[]; rows?: unknown[] }> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({
        type: "write",
        id,
        statements,
        ...(relaxed ? { relaxed } : {}),
      } satisfies WriteRequest);
    });
  }

  /** Lets the thread finish what it was given, then stops it. */
  async close(): Promise<void> {
    this.#worker.postMessage({ type: "close" } satisfies WriteRequest);
    this.#worker.ref();
    await this.#exited;
  }

  #settle(answer: WriteResult): void {
    const pending = this.#pending.get(answer.id);
    if (pending === undefined) return;
    this.#pending.delete(answer.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if ("changes" in answer) pending.resolve(answer);
    else pending.reject(Object.assign(new Error(answer.error.message), answer.error));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
