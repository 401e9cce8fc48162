/**
 * An abort signal that fires when its parent does or when a deadline passes, and that lets go
 * of everything when the work ends. `AbortSignal.any([parent, AbortSignal.timeout(ms)])` looks
 * the same but is not: Node keeps every signal `any` made while its sources may still abort
 * (a timeout signal until it fires, five minutes for a task), with its listeners and whatever
 * they hold. At hundreds of tasks a second that was ~2 KB a task kept (issue 16). Here the
 * timer is cleared and the listener removed by {@link DeadlineSignal.dispose}.
 */

/** A signal with a deadline; call `dispose` when the work it guards has ended. */
export interface DeadlineSignal {
  readonly signal: AbortSignal;
  /** True when the deadline (not the parent) aborted it. */
  readonly timedOut: boolean;
  /** Clears the timer and detaches from the parent; the signal no longer changes. */
  dispose(): void;
}

/** A signal aborted by `parent` or after `ms` milliseconds, whichever comes first. */
export function deadlineSignal(parent: AbortSignal, ms: number): DeadlineSignal {
  const controller = new AbortController();
  let timedOut = false;
  const onParent = (): void => controller.abort(parent.reason);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${ms} ms`));
  }, ms);
  if (parent.aborted) onParent();
  else parent.addEventListener("abort", onParent, { once: true });
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener("abort", onParent);
    },
  };
}
