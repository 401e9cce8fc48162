/**
 * One worker process of the worker benches (bench/worker.ts), forked so that its event loop,
 * its core and its heap are its own. It opens the database with no worker running, registers
 * the bench's task handler, says `ready`, and starts the worker loop on `go`, so that the time
 * it takes to start Node, load the code and migrate is not measured.
 *
 * The handler (registered as `config.handler`) answers `{ i }` for the run's input `{ i }`: at once, or after
 * `holdMs`, and after `slowMs` more when `i` is a multiple of `slowEvery`. Completed and failed
 * runs are counted from the executor's committed transitions (`onTransition`), so a task
 * counts once its outcome is in the database.
 *
 * Usage: worker-child <config as JSON> (see {@link ChildConfig}). Over the IPC channel it
 * sends {@link ChildMessage}s and takes {@link ParentMessage}s; it exits on `stop` or when the
 * parent goes away. Its stdout is the parent's stderr: nothing here may print a bench line.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { performance } from "node:perf_hooks";
import type { EventLoopUtilization } from "node:perf_hooks";
import { Strata } from "../src/index.js";
import type { WorkerOptions } from "../src/index.js";

/** How the parent configures a worker process. */
export interface ChildConfig {
  /** A SQLite path or a PostgreSQL URL, migrated, with the bench's flow published. */
  database: string;
  /** The name to register the handler under (the parent's flow calls it). */
  handler: string;
  /** Tasks kept in flight (`WorkerOptions.concurrency`); absent: the worker's default. */
  concurrency?: number;
  /** How often the idle worker looks for due work (`WorkerOptions.pollMs`). */
  pollMs: number;
  /** How long a claim lasts (`StrataOptions.leaseMs`); absent: Strata's default. */
  leaseMs?: number;
  /** Every call waits this long before answering, in ms (0: at once). */
  holdMs: number;
  /** A call whose input's `i` is a multiple of this waits `slowMs` more (0: none does). */
  slowEvery: number;
  slowMs: number;
  /** Sends a `call` message for each handler call (for a few runs only). */
  reportCalls: boolean;
  /** Remembers the runs called, to count the calls of a run called before (not in the soak). */
  trackRuns: boolean;
  /** Samples the heap after a full GC every this many completed tasks (0: never). */
  sampleEvery: number;
}

/** What a worker process has done so far. Times are epoch ms (`timeOrigin + now()`). */
export interface ChildStats {
  /** When the worker loop was started (`go`). */
  goAt: number | null;
  firstCallAt: number | null;
  lastCompletedAt: number | null;
  /** Handler calls (task attempts). */
  calls: number;
  /** Calls of a run this process had called before (with `trackRuns`). */
  repeated: number;
  /** Runs this process moved to `completed`, committed. */
  completed: number;
  /** Runs this process moved to `failed`, committed. */
  failed: number;
  /** Time the event loop (main thread) was busy since `go`, in ms (idle is time spent waiting for events). */
  loopBusyMs: number;
  /** CPU time of the whole process (every thread: the SQLite write thread too) since `go`, in ms. */
  cpuMs: number;
}

/** A message to the parent. */
export type ChildMessage =
  | { type: "ready"; pid: number }
  | { type: "call"; runId: string; at: number }
  | { type: "sample"; completed: number; calls: number; heapUsed: number; at: number }
  | { type: "stats"; stats: ChildStats };

/** A message from the parent. */
export type ParentMessage = { type: "go" } | { type: "stats" } | { type: "stop" };

const config = ((): ChildConfig => {
  const parsed = JSON.parse(process.argv[2] ?? "null") as ChildConfig | null;
  if (parsed === null || typeof parsed.database !== "string" || typeof parsed.handler !== "string")
    throw new Error("usage: worker-child <config as JSON>");
  return parsed;
})();
if (config.sampleEvery > 0 && typeof global.gc !== "function")
  throw new Error("worker-child samples the heap: run it with --expose-gc");

const now = (): number => performance.timeOrigin + performance.now();
const send = (message: ChildMessage): void => {
  if (process.connected) process.send?.(message);
};

const stats: ChildStats = {
  goAt: null,
  firstCallAt: null,
  lastCompletedAt: null,
  calls: 0,
  repeated: 0,
  completed: 0,
  failed: 0,
  loopBusyMs: 0,
  cpuMs: 0,
};
/** The event loop's and the process's CPU use when the loop started. */
let atGo: { loop: EventLoopUtilization; cpu: NodeJS.CpuUsage } | null = null;
const called = config.trackRuns ? new Set<string>() : null;

const strata = await Strata.open({
  database: config.database,
  actor: "bench-worker",
  ...(config.leaseMs === undefined ? {} : { leaseMs: config.leaseMs }),
});

strata.handlers.register(config.handler, async (input, ctx) => {
  const raw = (input as { i?: unknown } | null)?.i;
  const i = typeof raw === "number" ? raw : -1;
  stats.calls++;
  stats.firstCallAt ??= now();
  if (called !== null) {
    if (called.has(ctx.runId)) stats.repeated++;
    else called.add(ctx.runId);
  }
  if (config.reportCalls) send({ type: "call", runId: ctx.runId, at: now() });
  const slow = config.slowEvery > 0 && i >= 0 && i % config.slowEvery === 0;
  const wait = config.holdMs + (slow ? config.slowMs : 0);
  if (wait > 0) await sleep(wait);
  return { i };
});

let nextSample = config.sampleEvery;
let sampling = false;
/** The heap after a full collection, with the tasks completed by then. */
function sample(): void {
  global.gc?.();
  const heapUsed = process.memoryUsage().heapUsed;
  send({ type: "sample", completed: stats.completed, calls: stats.calls, heapUsed, at: now() });
  nextSample = (Math.floor(stats.completed / config.sampleEvery) + 1) * config.sampleEvery;
  sampling = false;
}

strata.serviceLayer.executor.onTransition((transition) => {
  if (transition.to === "completed") {
    stats.completed++;
    stats.lastCompletedAt = now();
    if (config.sampleEvery > 0 && !sampling && stats.completed >= nextSample) {
      sampling = true;
      setImmediate(sample); // after the commit's callbacks, not inside them
    }
  } else if (transition.to === "failed") stats.failed++;
});

/**
 * The worker's options. `concurrency` (tasks kept in flight) is passed whether or not this
 * version of the worker knows it; a worker that does not simply ignores it.
 */
const workerOptions: WorkerOptions & { concurrency?: number } = {
  pollMs: config.pollMs,
  ...(config.concurrency === undefined ? {} : { concurrency: config.concurrency }),
  onError: (error) => process.stderr.write(`bench worker ${process.pid}: ${String(error)}\n`),
};

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await strata.close();
  process.exit(0);
}

process.on("message", (message: ParentMessage) => {
  if (message.type === "go") {
    if (config.sampleEvery > 0) sample(); // the baseline, before any task
    stats.goAt = now();
    atGo = { loop: performance.eventLoopUtilization(), cpu: process.cpuUsage() };
    strata.startWorker(workerOptions);
  } else if (message.type === "stats") {
    if (atGo !== null) {
      // After the drain the loop is idle but for polls: the figures are the drain's.
      stats.loopBusyMs = performance.eventLoopUtilization(atGo.loop).active;
      const cpu = process.cpuUsage(atGo.cpu);
      stats.cpuMs = (cpu.user + cpu.system) / 1000;
    }
    send({ type: "stats", stats: { ...stats } });
  } else void stop();
});
process.on("disconnect", () => process.exit(0)); // the parent is gone: so is the bench
send({ type: "ready", pid: process.pid });
