/**
 * The worker loop (`strata worker`, `strata serve`, or `Strata.open({ worker: true })`).
 *
 * Slots, not rounds: the loop keeps up to `concurrency` runs in flight and claims more as
 * slots free, so one slow task holds one slot, never the whole worker (issue 16: claiming 32
 * and waiting for the batch let one 1 s task in twenty hold 31 idle slots, 33 tasks/s). It
 * sleeps only when nothing is due, and wakes at once when this process makes work due
 * (in process) or another process announces some (PostgreSQL LISTEN/NOTIFY); the poll is the
 * fallback for what neither reports (timers coming due, a lost notification).
 *
 * When the database is unreachable the loop backs off with jitter (100 ms doubling to 5 s),
 * reports the first failure of the streak, and resumes by itself. Routing automation (rollout
 * steps and guards, schedules, retention) runs on its own timer, so a slow round of it never
 * holds up claims.
 */
import { backoffMs } from "../core/backoff.js";
import { isStrataError } from "../core/errors.js";
import type { Executor } from "./executor.js";
import { WorkerRegistry } from "./worker-registry.js";
import type { WorkerKind } from "./worker-registry.js";

/** Options of the loop. */
export interface WorkerOptions {
  /** How often to look for due work when nothing woke the loop, in ms (default 200). */
  pollMs?: number;
  /** How many runs this process works on at once: its slots (default 64). */
  concurrency?: number;
  /** The most runs one claim takes (default: the free slots, at most 32). */
  batch?: number;
  /** Called with any error of the loop or of automation; the loop goes on. */
  onError?: (error: unknown) => void;
  /**
   * Other due work to do (rollout steps and guards, schedules, retention), at most every
   * {@link automationMs}. The service layer supplies it.
   */
  automation?: () => Promise<unknown>;
  /** How often to run `automation`, in ms (default 1000). */
  automationMs?: number;
  /** How often this process writes its row in the `workers` table, in ms (default 5000). */
  heartbeatMs?: number;
  /** What kind of process this is, as `worker list` shows it (default `library`). */
  kind?: WorkerKind;
}

/** The loop's defaults, for help texts and docs. */
export const WORKER_DEFAULTS = {
  pollMs: 200,
  concurrency: 64,
  automationMs: 1000,
  heartbeatMs: 5000,
} as const;

/**
 * The most runs one claim takes unless `batch` says otherwise: half the default slots, so a
 * second claim is on its way while the first's runs are worked on (claiming all 64 at once
 * left the loop waiting for each claim with nothing to do: 7,400 against 9,200–9,600 tasks/s
 * drained on SQLite).
 */
const MAX_CLAIM = 32;

/** A running worker loop. */
export class Worker {
  #running = false;
  #wake: (() => void) | null = null;
  /** Set when something happened while the loop was not asleep, so it does not sleep. */
  #woken = false;
  #done: Promise<void> = Promise.resolve();
  #automationDone: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void)[] = [];
  /** Runs whose handler is running (or timer firing): the slots in use. */
  #inFlight = 0;
  /** Runs claimed whose outcome is not committed yet (their slots may be free already). */
  #unsettled = 0;
  #idle: (() => void) | null = null;
  #lastTick = 0;
  #registry: WorkerRegistry | null = null;
  #stopped: Promise<void> = Promise.resolve();
  #resolveStopped: () => void = () => undefined;

  constructor(
    private readonly executor: Executor,
    private readonly options: WorkerOptions = {},
  ) {}

  /** How many runs this loop is working on now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** This loop's slots. */
  get concurrency(): number {
    return Math.max(1, this.options.concurrency ?? WORKER_DEFAULTS.concurrency);
  }

  /** Whether the loop was started and not stopped. */
  get running(): boolean {
    return this.#running;
  }

  /** Whether the loop runs and came round recently (for `/readyz`). */
  get alive(): boolean {
    const pollMs = this.options.pollMs ?? WORKER_DEFAULTS.pollMs;
    return this.#running && Date.now() - this.#lastTick < Math.max(10_000, 3 * pollMs);
  }

  /** Starts the loop (idempotent). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#lastTick = Date.now();
    this.#stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
    const wake = (): void => this.#signal();
    this.#unsubscribe = [this.executor.onDue(wake)];
    const announced = this.executor.store.onDueAnnounced;
    if (announced !== undefined) this.#unsubscribe.push(announced(wake));
    this.#registry = new WorkerRegistry(this.executor, {
      kind: this.options.kind ?? "library",
      concurrency: this.concurrency,
      heartbeatMs: this.options.heartbeatMs ?? WORKER_DEFAULTS.heartbeatMs,
      inFlight: () => this.#inFlight,
      onError: (error) => this.#report(error),
    });
    this.#registry.start();
    this.#done = this.#loop();
    if (this.options.automation !== undefined)
      this.#automationDone = this.#automate(this.options.automation);
  }

  /** Stops claiming, lets the runs in flight finish, and resolves when they have. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#resolveStopped();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    this.#signal();
    await Promise.all([this.#done, this.#automationDone]);
    await this.#registry?.stop();
    this.#registry = null;
  }

  async #loop(): Promise<void> {
    const pollMs = this.options.pollMs ?? WORKER_DEFAULTS.pollMs;
    let failures = 0;
    while (this.#running) {
      this.#lastTick = Date.now();
      // A slot frees when its handler is done; the outcome commits with others after. Runs
      // still committing are bounded too, so a slow database holds claims back.
      const free = Math.min(
        this.concurrency - this.#inFlight,
        4 * this.concurrency - this.#unsettled,
      );
      // Claim when a quarter of the slots are free (or all would be): one claim per slot
      // freed would cost a query per task.
      if (free <= 0 || (free < Math.ceil(this.concurrency / 4) && this.#inFlight > 0)) {
        await this.#sleep(pollMs);
        continue;
      }
      const asked = Math.min(free, Math.max(1, this.options.batch ?? MAX_CLAIM));
      let claimed;
      try {
        claimed = await this.executor.claim(asked);
        failures = 0;
      } catch (error) {
        if (failures === 0 || !isStrataError(error, "store_unavailable")) this.#report(error);
        failures++;
        // Not cut short by due work: that would retry at the pace of events, not of backoff.
        await this.#pause(backoffMs(failures));
        continue;
      }
      for (const run of claimed) {
        this.#inFlight++;
        this.#unsettled++;
        const attempted = (): void => {
          this.#inFlight--;
          this.#signal();
        };
        void this.executor.work(run, attempted).finally(() => {
          this.#unsettled--;
          if (this.#unsettled === 0) this.#idle?.();
          this.#signal();
        });
      }
      // A full claim: more may be due, go again (when slots allow).
      if (claimed.length < asked) await this.#sleep(pollMs);
    }
    if (this.#unsettled > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    this.#idle = null;
  }

  async #automate(automation: () => Promise<unknown>): Promise<void> {
    const everyMs = this.options.automationMs ?? WORKER_DEFAULTS.automationMs;
    let failures = 0;
    while (this.#running) {
      try {
        await automation();
        failures = 0;
      } catch (error) {
        if (failures === 0 || !isStrataError(error, "store_unavailable")) this.#report(error);
        failures++;
      }
      await this.#pause(failures === 0 ? everyMs : Math.max(everyMs, backoffMs(failures)));
    }
  }

  #report(error: unknown): void {
    if (this.options.onError !== undefined) this.options.onError(error);
    // An outage is expected now and then: one line, not a stack.
    else if (isStrataError(error, "store_unavailable"))
      console.error(`strata worker: ${error.code}: ${error.message}`);
    else console.error("strata worker:", error);
  }

  /** Wakes the loop if it sleeps, or keeps it from sleeping next. */
  #signal(): void {
    if (this.#wake !== null) this.#wake();
    else this.#woken = true;
  }

  #sleep(ms: number): Promise<void> {
    if (this.#woken || !this.#running) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  /** A sleep that only `stop` cuts short (automation does not care about due work). */
  async #pause(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
      this.#stopped,
    ]);
    clearTimeout(timer);
  }
}
