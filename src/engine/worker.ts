/**
 * The worker loop (`strata worker`, or `Strata.open({ worker: true })`): asks the executor for
 * due work again and again, sleeping between empty rounds until the next poll or until this
 * process creates work that is due now.
 */
import type { Executor } from "./executor.js";

/** Options of the loop. */
export interface WorkerOptions {
  /** How often to look for due work when idle, in ms (default 200). */
  pollMs?: number;
  /** Runs claimed per round (default 32). */
  batch?: number;
  /** Called with any error of a round; the loop goes on. */
  onError?: (error: unknown) => void;
  /**
   * Other due work to do between rounds (rollout steps and guards, schedules), at most every
   * {@link automationMs}. The service layer supplies it.
   */
  automation?: () => Promise<unknown>;
  /** How often to run `automation`, in ms (default 1000). */
  automationMs?: number;
}

/** A running worker loop. */
export class Worker {
  #running = false;
  #wake: (() => void) | null = null;
  #done: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | null = null;

  constructor(
    private readonly executor: Executor,
    private readonly options: WorkerOptions = {},
  ) {}

  /** Starts the loop (idempotent). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.executor.onDue(() => this.#wake?.());
    this.#done = this.#loop();
  }

  /** Stops after the current round; resolves when it has finished. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    this.#wake?.();
    await this.#done;
  }

  async #loop(): Promise<void> {
    let automatedAt = 0;
    const onError = this.options.onError ?? ((e: unknown) => console.error("strata worker:", e));
    while (this.#running) {
      const automation = this.options.automation;
      if (
        automation !== undefined &&
        Date.now() - automatedAt >= (this.options.automationMs ?? 1000)
      ) {
        automatedAt = Date.now();
        await automation().catch(onError);
      }
      let claimed = 0;
      try {
        claimed = await this.executor.runDue(this.options.batch ?? 32);
      } catch (error) {
        onError(error);
      }
      if (claimed === 0 && this.#running) await this.#sleep(this.options.pollMs ?? 200);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = null;
        done();
      };
    });
  }
}
