/** Calls a task's handler for one attempt and turns the outcome into an interpreter event. */
import { coerceError } from "../core/errors.js";
import type { PendingTask, RunEvent } from "../core/interpreter/index.js";
import { toJsonValue } from "../core/interpreter/index.js";
import type { AttemptControl } from "./attempt-control.js";
import { PermanentTaskError } from "./handlers.js";
import type { HandlerRegistry } from "./handlers.js";

/** The longest delay Node's timers hold (publish refuses longer task timeouts). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The longest an attempt may take when its node sets no `timeout` (5 minutes). */
export const DEFAULT_TASK_TIMEOUT_MS = 5 * 60_000;

/**
 * Runs one attempt. Never throws: a handler's failure, a timeout or an unknown handler is a
 * `task_failed` event (data for the run's trace and retry policy, not an exception here).
 */
export async function runTask(
  handlers: HandlerRegistry,
  runId: string,
  task: PendingTask,
  control: AttemptControl,
): Promise<RunEvent> {
  const handler = handlers.get(task.handler);
  if (handler === undefined) {
    return failed(
      `no handler '${task.handler}' is registered in this process`,
      "unknown_handler",
      true,
    );
  }
  const timeoutMs = Math.min(task.timeoutMs ?? DEFAULT_TASK_TIMEOUT_MS, MAX_TIMER_MS);
  try {
    const result = await control.run(
      () =>
        handler(task.input, {
          idempotencyKey: task.idempotencyKey,
          attempt: task.attempt,
          // Read only if the handler asks (see AttemptControl).
          get signal() {
            return control.signal;
          },
          runId,
          node: task.node,
        }),
      timeoutMs,
    );
    return { type: "task_succeeded", result: toJsonValue(result) ?? null };
  } catch (thrown) {
    if (control.timedOut) {
      return failed(`the attempt took longer than ${timeoutMs} ms`, "task_timeout", true);
    }
    const error = coerceError(thrown);
    const permanent = error instanceof PermanentTaskError;
    return failed(
      error.message,
      permanent ? (error.code ?? "task_error") : "task_error",
      !permanent,
    );
  }
}

function failed(message: string, code: string, retryable: boolean): RunEvent {
  return { type: "task_failed", error: { message, code }, retryable };
}
