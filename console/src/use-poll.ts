/** Following data that may still change: loading it again a while after each answer. */
import { useEffect } from "react";
import type { Loaded } from "./use-api";

/**
 * While `active`, loads `loaded` again `ms` after each answer. The next load is scheduled only
 * once the last one has answered, never on a fixed interval: useApi drops an answer that a newer
 * load overtakes, so an interval shorter than the server's answer would drop every answer and
 * the page would never change. A refusal (401, 403, 404…) stops the polling, shown by the page
 * as its error; a server that did not answer at all is asked again at the same pace.
 */
export function usePoll(loaded: Loaded<unknown>, active: boolean, ms: number): void {
  const { data, error, reload } = loaded;
  const refused = error !== null && error.status !== 0;
  useEffect(() => {
    if (!active || refused) return;
    const timer = window.setTimeout(reload, ms);
    return () => window.clearTimeout(timer);
    // `data` and `error` are new objects after each answer: each one schedules the next load.
  }, [active, refused, data, error, reload, ms]);
}
