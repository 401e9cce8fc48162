/**
 * Actions of a page or of one card: busy while a call runs, then a notice or the refusal (an
 * ApiError, shown, never thrown). Given `reload`, a success reloads the page's data; without
 * it the work itself sets what it changed (the draft editor's cards).
 */
import { useCallback, useState } from "react";
import { ApiError } from "./api";

/** What a page's controls share: whether an action runs, its refusal, and what it did. */
export interface ActionState {
  busy: boolean;
  error: ApiError | null;
  notice: string | null;
  /**
   * Runs `work`; the string it resolves to is shown as the notice, and the page's data is
   * reloaded if the hook was given `reload`. Null says nothing ran (the user cancelled a
   * confirmation): no notice, no reload.
   */
  run: (label: string, work: () => Promise<string | null>) => void;
}

export function useAction(reload?: () => void): ActionState {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const run = useCallback(
    (label: string, work: () => Promise<string | null>) => {
      setBusy(true);
      setError(null);
      setNotice(null);
      work().then(
        (done) => {
          setBusy(false);
          // Null: nothing ran (the user cancelled a confirmation), so nothing to load again.
          if (done === null) return;
          setNotice(done);
          reload?.();
        },
        (thrown: unknown) => {
          setBusy(false);
          setError(
            thrown instanceof ApiError
              ? thrown
              : new ApiError(0, "internal", `${label}: ${String(thrown)}`),
          );
        },
      );
    },
    [reload],
  );
  return { busy, error, notice, run };
}
