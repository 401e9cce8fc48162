/**
 * Task handlers: code the host registers by name (`strata.handlers.register("email.send", …)`)
 * and the engine calls for `task` nodes. A task runs at least once; the idempotency key lets a
 * handler make its effect exactly once.
 */

/** What a handler receives beside its input. */
export interface TaskContext {
  /** Stable for the run and node across every attempt: `runId:nodeId` (`…:visit` in loops). */
  idempotencyKey: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborted when the attempt times out or the run is cancelled. */
  signal: AbortSignal;
  runId: string;
  node: string;
}

/** A task handler: returns the task's result (JSON), or throws to fail the attempt. */
export type TaskHandler = (input: unknown, ctx: TaskContext) => Promise<unknown>;

/**
 * Thrown by a handler for a failure that another attempt cannot fix (a 4xx answer, invalid
 * input): the engine skips the remaining attempts.
 */
export class PermanentTaskError extends Error {
  override readonly name = "PermanentTaskError";
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The handlers known to this process. */
export class HandlerRegistry {
  readonly #handlers = new Map<string, TaskHandler>();

  /** Registers (or replaces) the handler for `name`. */
  register(name: string, handler: TaskHandler): void {
    if (name.trim() === "") throw new Error("a handler needs a name");
    this.#handlers.set(name, handler);
  }

  /** The handler for `name`, if registered. */
  get(name: string): TaskHandler | undefined {
    return this.#handlers.get(name);
  }

  /** The registered names (for publish-time checks of task nodes). */
  names(): ReadonlySet<string> {
    return new Set(this.#handlers.keys());
  }
}
