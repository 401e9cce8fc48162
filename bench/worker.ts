/**
 * Worker benches (the worker-throughput issue): how fast worker processes drain due tasks,
 * how soon a killed worker's runs resume elsewhere, and how much memory a worker keeps per
 * task. Each worker is a process of its own (bench/worker-child.ts); this process starts the
 * runs, with no worker of its own, and watches.
 *
 * `worker.drain` runs four cases, each on a fresh database:
 * - `worker.drain`: 20,000 runs of a flow with one task whose handler answers at once, started
 *   first (their `runs.start` rate is measured on the way, on the same store), then drained by
 *   one worker with its default concurrency: tasks/s from the worker's start (its first claim)
 *   to the last completion, and the ratio to the start rate (target ≥ 0.8).
 * - `worker.drain.slow`: the same, but the task of 1 run in 20 takes 1 s, with 64 slots
 *   (target ≥ 400 tasks/s; 64 slots can do at most 64 / 0.05 s = 1,280). The drain is measured
 *   for at most 30 s (× scale) when it is slower than that.
 * - `worker.drain.2workers` (PostgreSQL): the first case with two worker processes.
 * - `worker.takeover`: two workers with a 5 s lease; one holds 16 tasks in flight (each would
 *   take 30 s) and is killed with SIGKILL; the time until the other has completed them all
 *   (target ≤ 2 × the lease).
 *
 * `worker.soak`: 100,000 tasks (× scale) on one worker, the runs started in waves so that at
 * most 20,000 wait at once; the worker's heap after a full GC every tenth of the way, and the
 * bytes it keeps per task: the least-squares slope of those samples, the first one left out
 * as warm-up (target ≤ 100).
 */
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Strata } from "../src/index.js";
import { report, round } from "./support.js";
import type { BenchDatabase } from "./support.js";
import type { ChildConfig, ChildMessage, ChildStats, ParentMessage } from "./worker-child.js";

const CHILD = fileURLToPath(new URL("./worker-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** How long a worker process may take to start, answer or stop. */
const CHILD_TIMEOUT_MS = 60_000;
/** A drain that has not ended after this long is stuck. */
const DRAIN_TIMEOUT_MS = 15 * 60_000;
/** Starts in flight at once, as in `runs.start` (bench/engine.ts). */
const START_LANES = 256;
/** The one task every flow of these benches calls. */
export const HANDLER = "bench.echo";
export const FLOW = "echo";
/** One task, then the end: each run is one task attempt for the worker. */
export const echoFlow = {
  start: "echo",
  nodes: {
    echo: { type: "task", handler: HANDLER, input: "$", next: "done" },
    done: { type: "end", output: { ok: "true" } },
  },
};
/** A decision with no task, started before the timed starts to warm the start path up. */
const WARMUP_FLOW = "warmup";
const warmupFlow = { start: "done", nodes: { done: { type: "end", output: { ok: "true" } } } };
const WARMUP_STARTS = 2000;
/** `worker.drain.slow`: the task of every 20th run takes 1 s. */
const SLOW_EVERY = 20;
const SLOW_MS = 1000;
const SLOW_SLOTS = 64;
/** `worker.takeover`: the lease, and the runs the killed worker holds. */
const TAKEOVER_LEASE_MS = 5000;
const TAKEOVER_RUNS = 16;
/** `worker.soak`: at most this many runs wait for the worker at once. */
const SOAK_WAITING = 20_000;

/** Epoch milliseconds, comparable with the worker processes' (`timeOrigin + now()`). */
const now = (): number => performance.timeOrigin + performance.now();

/** Where worker processes write CPU profiles, when asked (`BENCH_PROF`). */
const PROFILE_DIR = process.env.BENCH_PROF === "" ? undefined : process.env.BENCH_PROF;

/** A worker process, ready (its store open, its handler registered, its loop not started). */
class WorkerProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #listeners = new Set<(message: ChildMessage) => void>();

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.on("message", (message: ChildMessage) => {
      for (const listener of this.#listeners) listener(message);
    });
  }
  /** Forks bench/worker-child.ts with `config` and waits until it is ready. */
  static async spawn(config: ChildConfig): Promise<WorkerProcess> {
    const child = fork(CHILD, [JSON.stringify(config)], {
      cwd: ROOT,
      execArgv: [
        "--import",
        "tsx",
        "--expose-gc",
        // BENCH_PROF=<dir>: each worker process writes a CPU profile there (one per thread).
        ...(PROFILE_DIR === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`]),
      ],
      // Its stdout goes to our stderr: our stdout carries only bench lines.
      stdio: ["ignore", 2, 2, "ipc"],
    });
    const worker = new WorkerProcess(child);
    try {
      await worker.next("ready");
    } catch (error) {
      await worker.kill();
      throw error;
    }
    return worker;
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Calls `listener` with every message; returns the unsubscribe function. */
  on(listener: (message: ChildMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves when the process has exited, however it ended. */
  get exited(): Promise<void> {
    return this.#exited;
  }

  /** The next message of `type`; rejects if the process exits or times out first. */
  next<T extends ChildMessage["type"]>(
    type: T,
    timeoutMs = CHILD_TIMEOUT_MS,
  ): Promise<Extract<ChildMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      let off = (): void => undefined;
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no ${type} from worker process ${this.#child.pid}`));
      }, timeoutMs);
      off = this.on((message) => {
        if (message.type !== type) return;
        clearTimeout(timer);
        off();
        resolve(message as Extract<ChildMessage, { type: T }>);
      });
      void this.#exited.then(() => {
        clearTimeout(timer);
        off();
        reject(new Error(`worker process ${this.#child.pid} exited before ${type}`));
      });
    });
  }

  #send(message: ParentMessage): void {
    if (this.#child.connected) this.#child.send(message);
  }

  /** Starts its worker loop. */
  go(): void {
    this.#send({ type: "go" });
  }

  /** What it has done so far. */
  async stats(): Promise<ChildStats> {
    const answer = this.next("stats");
    this.#send({ type: "stats" });
    return (await answer).stats;
  }

  /** SIGKILL, then waits for the exit; idempotent. */
  async kill(): Promise<void> {
    if (this.alive) this.#child.kill("SIGKILL");
    await this.#exited;
  }

  /** Asks it to stop (its loop, then its store), killing it if it takes too long; idempotent. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.#send({ type: "stop" });
    const late = await Promise.race([
      this.#exited.then(() => false),
      sleep(10_000, true, { ref: false }),
    ]);
    if (late) await this.kill();
  }
}

/** The worker processes of one case: each is stopped (or killed) at the end, whatever happens. */
class Workers {
  readonly #all: WorkerProcess[] = [];

  async spawn(config: ChildConfig): Promise<WorkerProcess> {
    const worker = await WorkerProcess.spawn(config);
    this.#all.push(worker);
    return worker;
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled(this.#all.map((worker) => worker.stop()));
    await Promise.all(this.#all.map((worker) => worker.kill())); // in case a stop failed
  }
}

/** A worker process's configuration: an instant handler, Strata's defaults otherwise. */
function childConfig(location: string, changes: Partial<ChildConfig> = {}): ChildConfig {
  return {
    database: location,
    handler: HANDLER,
    pollMs: 200,
    holdMs: 0,
    slowEvery: 0,
    slowMs: 0,
    reportCalls: false,
    trackRuns: true,
    sampleEvery: 0,
    ...changes,
  };
}

/** Opens the database for starting runs (no worker here) with the echo flow published. */
async function openWithFlow(location: string): Promise<Strata> {
  const strata = await Strata.open({ database: location, actor: "bench" });
  // Only for publish's check that the task's handler exists; this process runs no tasks.
  strata.handlers.register(HANDLER, () => Promise.resolve(null));
  await strata.workflows.create({ key: FLOW, definition: echoFlow });
  await strata.drafts.publish(FLOW);
  await strata.workflows.create({ key: WARMUP_FLOW, definition: warmupFlow });
  await strata.drafts.publish(WARMUP_FLOW);
  return strata;
}

/**
 * Starts runs `from`…`from + count - 1` of `flow` (input `{ i }`), {@link START_LANES} in
 * flight; returns the seconds it took.
 */
async function startRuns(
  strata: Strata,
  from: number,
  count: number,
  flow = FLOW,
): Promise<number> {
  const began = now();
  let next = from;
  const end = from + count;
  const lane = async (): Promise<void> => {
    while (next < end) {
      const i = next++;
      await strata.runs.start(flow, { input: { i } });
    }
  };
  await Promise.all(Array.from({ length: Math.min(START_LANES, count) }, lane));
  return (now() - began) / 1000;
}

/** The runs of `flow` by status, from the database. */
async function statusCounts(strata: Strata, flow: string): Promise<Record<string, number>> {
  const { id } = await strata.workflows.show(flow);
  const rows = await strata.store.db
    .selectFrom("runs")
    .where("workflow_id", "=", id)
    .select("status")
    .select((eb) => eb.fn.countAll().as("n"))
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

const sum = (stats: readonly ChildStats[], of: (s: ChildStats) => number): number =>
  stats.reduce((total, s) => total + of(s), 0);

/** A drain, measured from the first worker's start to the last completion. */
interface Drain {
  /** Tasks completed in the measured time. */
  completed: number;
  seconds: number;
  /** False when the cap ended the measurement first. */
  finished: boolean;
  stats: ChildStats[];
}

/**
 * Starts the workers' loops and waits until they have ended `total` runs between them, or
 * until `capMs` has passed (then the rate is of the tasks completed by then).
 */
async function drain(
  workers: readonly WorkerProcess[],
  total: number,
  capMs: number | null,
): Promise<Drain> {
  for (const worker of workers) worker.go();
  const began = now();
  for (;;) {
    await sleep(100);
    const askedAt = now();
    const stats = await Promise.all(workers.map((worker) => worker.stats()));
    const ended = sum(stats, (s) => s.completed + s.failed);
    const goAt = Math.min(...stats.map((s) => s.goAt ?? Infinity));
    if (ended >= total) {
      const lastAt = Math.max(...stats.map((s) => s.lastCompletedAt ?? -Infinity));
      const completed = sum(stats, (s) => s.completed);
      return { completed, seconds: (lastAt - goAt) / 1000, finished: true, stats };
    }
    if (capMs !== null && askedAt - began >= capMs) {
      const completed = sum(stats, (s) => s.completed);
      return { completed, seconds: (askedAt - goAt) / 1000, finished: false, stats };
    }
    if (askedAt - began > DRAIN_TIMEOUT_MS)
      throw new Error(`the drain ended ${ended} of ${total} runs in ${DRAIN_TIMEOUT_MS} ms`);
  }
}

/** Reports what went wrong with a case's runs (a bench error, not a missed target). */
function problem(bench: string, db: string, problems: string[]): boolean {
  if (problems.length === 0) return true;
  process.stderr.write(`${bench} (${db}): ${problems.join("; ")}\n`);
  process.exitCode = 1;
  return false;
}

/**
 * Every run completed, each task called exactly once (no run called twice by one worker, and
 * as many calls as runs in all). A capped drain can only be checked for repeats and failures.
 */
function checkRuns(
  bench: string,
  db: string,
  tasks: number,
  result: Drain,
  counts: Record<string, number>,
): boolean {
  const calls = sum(result.stats, (s) => s.calls);
  const repeated = sum(result.stats, (s) => s.repeated);
  const failed = sum(result.stats, (s) => s.failed);
  const problems = [
    repeated > 0 ? `${repeated} calls of runs called before` : "",
    failed > 0 ? `${failed} runs failed` : "",
    calls < result.completed ? `${calls} calls for ${result.completed} completed runs` : "",
  ];
  if (result.finished) {
    const others = Object.entries(counts).filter(([status]) => status !== "completed");
    problems.push(
      counts.completed !== tasks ? `${counts.completed ?? 0} of ${tasks} runs completed` : "",
      others.length > 0 ? `runs left ${others.map(([s, n]) => `${s}: ${n}`).join(", ")}` : "",
      calls !== tasks ? `${calls} handler calls for ${tasks} runs` : "",
    );
  }
  return problem(
    bench,
    db,
    problems.filter((p) => p !== ""),
  );
}

/** One drain case on a database of its own: start the runs, then drain them. */
async function drainCase(
  database: BenchDatabase,
  options: {
    bench: string;
    runs: number;
    workers: number;
    child: Partial<ChildConfig>;
    capMs: number | null;
  },
): Promise<{ tasks: number; startRunsPerSec: number; result: Drain; exactlyOnce: boolean }> {
  const strata = await openWithFlow(database.location);
  const workers = new Workers();
  try {
    // Warms the start path with runs that complete at once (no task for the workers).
    await startRuns(strata, 0, WARMUP_STARTS, WARMUP_FLOW);
    const tasks = options.runs;
    const startSeconds = await startRuns(strata, 0, options.runs);
    const processes: WorkerProcess[] = [];
    for (let n = 0; n < options.workers; n++)
      processes.push(await workers.spawn(childConfig(database.location, options.child)));
    const result = await drain(processes, tasks, options.capMs);
    const counts = result.finished ? await statusCounts(strata, FLOW) : {};
    return {
      tasks,
      startRunsPerSec: options.runs / startSeconds,
      result,
      exactlyOnce: checkRuns(options.bench, database.db, tasks, result, counts),
    };
  } finally {
    await workers.stopAll();
    await strata.close();
  }
}

/**
 * `worker.takeover`: one worker holds {@link TAKEOVER_RUNS} tasks in flight, another idles,
 * both with a {@link TAKEOVER_LEASE_MS} lease; the first is killed with SIGKILL. Measures the
 * time from the kill to the other's first call of those tasks and to their completion.
 */
async function benchTakeover(database: BenchDatabase): Promise<void> {
  const bench = "worker.takeover";
  const strata = await openWithFlow(database.location);
  const workers = new Workers();
  try {
    await startRuns(strata, 0, TAKEOVER_RUNS);
    const lease = { leaseMs: TAKEOVER_LEASE_MS, reportCalls: true };
    const victim = await workers.spawn(
      childConfig(database.location, { ...lease, holdMs: 30_000 }),
    );
    const held = new Set<string>();
    let allHeld = (): void => undefined;
    const holding = new Promise<void>((resolve) => (allHeld = resolve));
    victim.on((message) => {
      if (message.type !== "call") return;
      held.add(message.runId);
      if (held.size === TAKEOVER_RUNS) allHeld();
    });
    victim.go();
    await within(holding, CHILD_TIMEOUT_MS, () => {
      return `the first worker took ${held.size} of ${TAKEOVER_RUNS} tasks`;
    });
    const survivor = await workers.spawn(childConfig(database.location, lease));
    let firstCallAt: number | null = null;
    let strays = 0;
    survivor.on((message) => {
      if (message.type !== "call") return;
      if (!held.has(message.runId)) strays++;
      firstCallAt ??= message.at;
    });
    survivor.go();
    await sleep(1000); // it is idle now: every due run is leased to the other one
    const killedAt = now();
    await victim.kill();
    let stats = await survivor.stats();
    while (stats.completed + stats.failed < TAKEOVER_RUNS) {
      if (now() - killedAt > CHILD_TIMEOUT_MS)
        throw new Error(`${stats.completed} of ${TAKEOVER_RUNS} runs resumed after the kill`);
      await sleep(20);
      stats = await survivor.stats();
    }
    const counts = await statusCounts(strata, FLOW);
    const ok = problem(
      bench,
      database.db,
      [
        counts.completed !== TAKEOVER_RUNS ? `${counts.completed ?? 0} runs completed` : "",
        stats.calls !== TAKEOVER_RUNS ? `${stats.calls} calls on the second worker` : "",
        strays > 0 ? `${strays} calls of runs the first worker did not hold` : "",
      ].filter((p) => p !== ""),
    );
    const completedMs = (stats.lastCompletedAt ?? now()) - killedAt;
    report({
      bench,
      db: database.db,
      note: "SIGKILL of a worker holding tasks in flight; until another worker completed them",
      runs: TAKEOVER_RUNS,
      leaseMs: TAKEOVER_LEASE_MS,
      killToFirstCallMs: firstCallAt === null ? null : round(firstCallAt - killedAt),
      killToCompletedMs: round(completedMs),
      ratio: round(completedMs / TAKEOVER_LEASE_MS),
      target: 2,
      pass: completedMs <= 2 * TAKEOVER_LEASE_MS,
      ok,
    });
  } finally {
    await workers.stopAll();
    await strata.close();
  }
}

/** `promise`, or an error with `message()` if it has not settled after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `work` on a fresh database, dropped afterwards. */
async function onFresh(
  fresh: () => Promise<BenchDatabase>,
  work: (database: BenchDatabase) => Promise<void>,
): Promise<void> {
  const database = await fresh();
  try {
    await work(database);
  } finally {
    await database.drop();
  }
}

/**
 * `worker.drain` and its cases (see the top of this file): the first on `database`, the
 * others each on a database from `fresh`.
 */
export async function benchWorkerDrain(
  database: BenchDatabase,
  scale: number,
  fresh: () => Promise<BenchDatabase>,
): Promise<void> {
  const runs = Math.round(20_000 * scale);
  const db = database.db;

  const one = await drainCase(database, {
    bench: "worker.drain",
    runs,
    workers: 1,
    child: {},
    capMs: null,
  });
  const oneRate = one.result.completed / one.result.seconds;
  report({
    bench: "worker.drain",
    db,
    note: "one-task runs started first, then drained by one worker process, default concurrency",
    runs: one.tasks,
    workers: 1,
    concurrency: null,
    startRunsPerSec: round(one.startRunsPerSec),
    drainTasksPerSec: round(oneRate),
    drainSeconds: round(one.result.seconds),
    ratio: round(oneRate / one.startRunsPerSec),
    target: 0.8,
    targetOf: "ratio",
    pass: oneRate / one.startRunsPerSec >= 0.8,
    exactlyOnce: one.exactlyOnce,
    // Where the worker's time went, per task: its event loop busy, and its CPU on all threads.
    loopBusyUsPerTask: round(
      (1000 * sum(one.result.stats, (s) => s.loopBusyMs)) / one.result.completed,
    ),
    cpuUsPerTask: round((1000 * sum(one.result.stats, (s) => s.cpuMs)) / one.result.completed),
  });

  await onFresh(fresh, async (slowDb) => {
    const slow = await drainCase(slowDb, {
      bench: "worker.drain.slow",
      runs,
      workers: 1,
      child: { concurrency: SLOW_SLOTS, slowEvery: SLOW_EVERY, slowMs: SLOW_MS },
      capMs: 30_000 * scale,
    });
    const rate = slow.result.completed / slow.result.seconds;
    report({
      bench: "worker.drain.slow",
      db,
      note: `1 task in ${SLOW_EVERY} takes ${SLOW_MS} ms; ${SLOW_SLOTS} slots; at most ${30 * scale} s measured`,
      runs: slow.tasks,
      workers: 1,
      concurrency: SLOW_SLOTS,
      startRunsPerSec: round(slow.startRunsPerSec),
      drainTasksPerSec: round(rate),
      drainSeconds: round(slow.result.seconds),
      completed: slow.result.completed,
      finished: slow.result.finished,
      ratio: round(rate / slow.startRunsPerSec),
      bound: round(SLOW_SLOTS / (SLOW_MS / 1000 / SLOW_EVERY)),
      target: 400,
      targetOf: "drainTasksPerSec",
      pass: rate >= 400,
      exactlyOnce: slow.exactlyOnce,
    });
  });

  if (db === "postgres") {
    await onFresh(fresh, async (twoDb) => {
      const two = await drainCase(twoDb, {
        bench: "worker.drain.2workers",
        runs,
        workers: 2,
        child: {},
        capMs: null,
      });
      const rate = two.result.completed / two.result.seconds;
      report({
        bench: "worker.drain.2workers",
        db,
        note: "as worker.drain, two worker processes",
        runs: two.tasks,
        workers: 2,
        concurrency: null,
        startRunsPerSec: round(two.startRunsPerSec),
        drainTasksPerSec: round(rate),
        drainSeconds: round(two.result.seconds),
        shares: two.result.stats.map((s) => s.completed).join("/"),
        ratio: round(rate / two.startRunsPerSec),
        vsOneWorker: round(rate / oneRate),
        target: null,
        exactlyOnce: two.exactlyOnce,
      });
    });
  }

  await onFresh(fresh, benchTakeover);
}

/** Least-squares slope of `y` over `x`. */
function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/**
 * `worker.soak`: `tasks` task attempts on one worker process (rounded to a multiple of 10),
 * the runs started here in waves while it drains; its heap after a full GC at the start and
 * every tenth of the way; bytes kept per task = the slope of those samples after the first
 * tenth (the warm-up).
 */
export async function benchWorkerSoak(database: BenchDatabase, tasks: number): Promise<void> {
  const bench = "worker.soak";
  const sampleEvery = Math.max(1, Math.round(tasks / 10));
  const total = sampleEvery * 10;
  const strata = await openWithFlow(database.location);
  const workers = new Workers();
  try {
    let started = 0;
    const topUp = async (completed: number): Promise<void> => {
      const want = Math.min(total, completed + SOAK_WAITING);
      if (want <= started) return;
      const from = started;
      started = want;
      await startRuns(strata, from, want - from);
    };
    await topUp(0);
    const worker = await workers.spawn(
      childConfig(database.location, { trackRuns: false, sampleEvery }),
    );
    const samples: { completed: number; calls: number; heapUsed: number; at: number }[] = [];
    let starting = Promise.resolve();
    const done = new Promise<void>((resolve, reject) => {
      worker.on((message) => {
        if (message.type !== "sample") return;
        samples.push(message);
        if (message.completed >= total) resolve();
        else starting = starting.then(() => topUp(message.completed)).catch(reject);
      });
      void worker.exited.then(() => reject(new Error("the worker process exited")));
      setTimeout(
        () => reject(new Error(`the soak did not end in ${DRAIN_TIMEOUT_MS} ms`)),
        DRAIN_TIMEOUT_MS,
      ).unref();
    });
    worker.go();
    await done;
    await starting;
    const stats = await worker.stats();
    await workers.stopAll();
    const counts = await statusCounts(strata, FLOW);
    const ok = problem(
      bench,
      database.db,
      [
        counts.completed !== total ? `${counts.completed ?? 0} of ${total} runs completed` : "",
        stats.calls !== total ? `${stats.calls} handler calls for ${total} runs` : "",
        stats.failed > 0 ? `${stats.failed} runs failed` : "",
      ].filter((p) => p !== ""),
    );
    // samples[0] is the baseline before any task, samples[1] the first tenth (warm-up).
    const fitted = samples.slice(2).map((s) => ({ x: s.completed, y: s.heapUsed }));
    const bytesPerTask = slope(fitted);
    const first = samples[0];
    const last = samples[samples.length - 1];
    const seconds = first === undefined || last === undefined ? 0 : (last.at - first.at) / 1000;
    report({
      bench,
      db: database.db,
      note: "one worker process; heap after a full GC every tenth; slope after the first tenth",
      tasks: total,
      seconds: round(seconds),
      tasksPerSec: round(total / seconds),
      heapStartMb: round((first?.heapUsed ?? 0) / 1e6),
      heapEndMb: round((last?.heapUsed ?? 0) / 1e6),
      samples: samples.map((s) => `${s.completed}:${round(s.heapUsed / 1e6)}`).join(" "),
      bytesPerTask: round(bytesPerTask),
      target: 100,
      pass: bytesPerTask <= 100,
      ok,
    });
  } finally {
    await workers.stopAll();
    await strata.close();
  }
}
