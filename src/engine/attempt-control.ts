/**
 * One task attempt's cancellation. The handler's signal is aborted when the run is cancelled
 * or when the attempt's deadline passes, and the attempt's promise rejects at that moment, so
 * a handler that ignores its signal cannot hold its caller. One controller and one timer per
 * attempt, and no listener on any other signal: at thousands of attempts a second, the two
 * controllers, three listeners and the timer an attempt used to take were a tenth of a
 * worker's time (issue 16), and a listener left on a long-lived signal keeps the attempt.
 * The controller itself is made only when the handler asks for its signal: creating one costs
 * more than a quick handler's whole call, and most handlers never look.
 */
export class AttemptControl {
  #controller: AbortController | undefined;
  #reason: Error | undefined;
  #reject: ((reason: Error) => void) | undefined;
  #timedOut = false;

  /** The signal the handler is given (aborted already if the attempt was). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** True when the deadline (not a cancel) aborted the attempt. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** Aborts the attempt (the run was cancelled): its signal fires and its promise rejects. */
  abort(reason: Error): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#reject?.(reason);
  }

  /**
   * Calls `work` and settles as it does, or rejects as soon as the attempt is aborted or
   * `timeoutMs` has passed, whichever comes first. The timer is cleared when it settles.
   */
  async run<T>(work: () => T | Promise<T>, timeoutMs: number): Promise<T> {
    if (this.#reason !== undefined) throw this.#reason;
    const timer = setTimeout(() => {
      this.#timedOut = true;
      this.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    try {
      return await new Promise<T>((resolve, reject) => {
        this.#reject = reject;
        // Through a promise, so that a handler that throws at once rejects like one that fails later.
        Promise.resolve().then(work).then(resolve, reject);
      });
    } finally {
      clearTimeout(timer);
      this.#reject = undefined;
    }
  }
}
