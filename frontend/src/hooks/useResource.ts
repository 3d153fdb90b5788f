import { useCallback, useEffect, useState } from "react";
import { type ApiError, toApiError } from "../api/client";

export interface Resource<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  /** Load again (after a change the server knows of, or a failure). */
  reload: () => void;
}

/** One GET as React state: loaded on mount and whenever `key` changes; a stale answer (the key
 * changed meanwhile) is dropped. `load` must be stable for a given key. */
export function useResource<T>(
  load: (() => Promise<T>) | null,
  key: string,
  /** While reloading under a new key, keep showing the last answer (a refreshed figure). */
  keepStale = false,
): Resource<T> {
  const [state, setState] = useState<{ key: string; data: T | null; error: ApiError | null }>({
    key: "",
    data: null,
    error: null,
  });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (load === null) return;
    let current = true;
    load().then(
      (data) => current && setState({ key, data, error: null }),
      (error: unknown) =>
        current && setState((old) => ({ key, data: old.data, error: toApiError(error) })),
    );
    return () => {
      current = false;
    };
    // `load` is keyed by `key`: a new function for the same key must not reload.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const fresh = state.key === key;
  return {
    data: fresh || keepStale ? state.data : null,
    error: fresh ? state.error : null,
    loading: load !== null && !fresh,
    reload,
  };
}
