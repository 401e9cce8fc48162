/** Loading API data into a component, with its error, and a way to load it again. */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { ApiError } from "./api";

/** What a load gives a component: the data once loaded, or the error that stopped it. */
export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | null;
  reload: () => void;
}

/** Runs `load` now and whenever `key` changes or `reload` is called; stale answers are dropped. */
export function useApi<T>(key: string, load: () => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [generation, setGeneration] = useState(0);
  // `load` is a new function each render; `key` says when it asks for something else.
  const latestLoad = useRef(load);
  useLayoutEffect(() => {
    latestLoad.current = load;
  });
  useEffect(() => {
    let current = true;
    latestLoad.current().then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(null);
      },
      (thrown: unknown) => {
        if (!current) return;
        setError(thrown instanceof ApiError ? thrown : new ApiError(0, "internal", String(thrown)));
      },
    );
    return () => {
      current = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { data, error, reload };
}
