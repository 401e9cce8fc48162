/**
 * Runs a backtest on every core (DESIGN.md §5): worker threads (one per core by default) each
 * compile the target once and replay batches of stored runs, while this thread reads the next
 * pages from the database and hands them out, at most two batches in flight per worker. Partial
 * reports merge into one; progress is reported as batches come back, and `shouldStop` is
 * asked between batches, so a cancel takes effect within a batch.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { workerScript } from "../core/worker-script.js";
import { emptyReport, finishReport, mergeReports } from "../core/replay/backtest-report.js";
import type { BacktestReport } from "../core/replay/backtest-report.js";

/** A stored run as workers read it: JSON columns left as text (cheaper to pass than objects). */
export interface StoredRun {
  id: string;
  kind: string;
  input: string;
  status: string;
  output: string | null;
  trace: string;
  createdAt: string;
  /** The version the run ran on (null: the draft), for the adapter registered from it. */
  versionNumber: number | null;
}

/** The first message to a worker. */
export interface BacktestInit {
  type: "init";
  targetDefinition: string;
  targetVersionId: string;
  targetVersionNumber: number | null;
  adapter: string | null;
  /**
   * The input adapters registered to the target, by the version they adapt from (as text): a
   * run of such a version whose job gives no adapter gets its version's, as a replay would.
   */
  registeredAdapters: Record<string, string>;
  mocks: Record<string, unknown> | null;
  /** Time expression evaluation (for the bench). */
  profile: boolean;
}

/** A batch of runs to replay. */
export interface BacktestBatch {
  type: "batch";
  id: number;
  runs: StoredRun[];
}

/** A worker's answer to a batch. */
export type WorkerAnswer =
  | { type: "done"; id: number; report: BacktestReport; busyNs: number; expressionNs: number }
  | { type: "error"; id: number; message: string };

/** What a backtest run needs. */
export interface BacktestJob extends Omit<BacktestInit, "type" | "profile"> {
  /** Pages of runs, in a stable order. */
  pages: AsyncIterable<StoredRun[]>;
  /** Worker threads (default: one per core). */
  threads?: number;
  /** Runs per batch sent to a worker (default 500). */
  batchSize?: number;
  profile?: boolean;
  /** Called with the number of runs replayed so far, after each batch. */
  onProgress?: (done: number) => void | Promise<void>;
  /** Asked between batches; true stops the backtest (the report so far is returned). */
  shouldStop?: () => boolean | Promise<boolean>;
}

/** What a backtest run gives back. */
export interface BacktestOutcome {
  report: BacktestReport;
  stopped: boolean;
  threads: number;
  /** Nanoseconds the workers spent replaying, and in expressions (with `profile`). */
  busyNs: number;
  expressionNs: number;
}

/**
 * The pages of `source`, the next one already being read while the caller hands out this one:
 * reading (a PostgreSQL round trip and row parsing) overlaps with the workers' replaying.
 */
async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  for (;;) {
    const current = await next;
    if (current.done === true) return;
    next = iterator.next();
    yield current.value;
  }
}

/** Replays every run of `job.pages` through the target on worker threads. */
export async function runBacktestJob(job: BacktestJob): Promise<BacktestOutcome> {
  const threads = Math.max(1, job.threads ?? availableParallelism());
  const batchSize = job.batchSize ?? 500;
  const { script, eval: isEval } = workerScript(import.meta.url, "backtest-worker");
  const init: BacktestInit = {
    type: "init",
    targetDefinition: job.targetDefinition,
    targetVersionId: job.targetVersionId,
    targetVersionNumber: job.targetVersionNumber,
    adapter: job.adapter,
    registeredAdapters: job.registeredAdapters,
    mocks: job.mocks,
    profile: job.profile === true,
  };
  const workers = Array.from({ length: threads }, () => new Worker(script, { eval: isEval }));
  const report = emptyReport();
  let done = 0;
  let busyNs = 0;
  let expressionNs = 0;
  let stopped = false;
  let nextId = 0;
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  const inFlight = new Map<Worker, number>();
  let failure: Error | undefined;
  let freed: (() => void) | undefined;
  const slotFreed = () =>
    new Promise<void>((resolve) => {
      freed = resolve;
    });

  for (const worker of workers) {
    inFlight.set(worker, 0);
    worker.postMessage(init);
    worker.on("message", (answer: WorkerAnswer) => {
      inFlight.set(worker, (inFlight.get(worker) ?? 1) - 1);
      const waiter = pending.get(answer.id);
      pending.delete(answer.id);
      if (answer.type === "error") {
        failure ??= new Error(`a backtest worker failed: ${answer.message}`);
        waiter?.reject(failure);
      } else {
        mergeReports(report, answer.report);
        done += answer.report.total;
        busyNs += answer.busyNs;
        expressionNs += answer.expressionNs;
        waiter?.resolve();
      }
      freed?.();
    });
    worker.on("error", (error) => {
      failure ??= error;
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
      freed?.();
    });
  }

  const send = (runs: StoredRun[]): Promise<void> => {
    let target = workers[0] as Worker;
    for (const worker of workers) {
      if ((inFlight.get(worker) ?? 0) < (inFlight.get(target) ?? 0)) target = worker;
    }
    const id = nextId++;
    inFlight.set(target, (inFlight.get(target) ?? 0) + 1);
    const batch: BacktestBatch = { type: "batch", id, runs };
    return new Promise<void>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      target.postMessage(batch);
    }).then(() => job.onProgress?.(done));
  };

  const sent: Array<Promise<void>> = [];
  try {
    let buffer: StoredRun[] = [];
    const flush = async (): Promise<void> => {
      while ([...inFlight.values()].every((count) => count >= 2)) {
        const wait = slotFreed();
        if (failure !== undefined) throw failure;
        await wait;
      }
      if (failure !== undefined) throw failure;
      sent.push(send(buffer));
      buffer = [];
    };
    outer: for await (const page of readAhead(job.pages)) {
      for (const run of page) {
        buffer.push(run);
        if (buffer.length >= batchSize) {
          if ((await job.shouldStop?.()) === true) {
            stopped = true;
            buffer = [];
            break outer;
          }
          await flush();
        }
      }
    }
    if (buffer.length > 0) await flush();
    await Promise.all(sent);
  } finally {
    await Promise.allSettled(sent);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  if (failure !== undefined) throw failure;
  return { report: finishReport(report), stopped, threads, busyNs, expressionNs };
}
