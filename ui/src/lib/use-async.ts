// Loads something when its key changes, cancelling the previous load; keeps the last good value
// while the next one loads, so tables do not collapse (and the page does not jump) in between.

import { useEffect, useState } from 'react';

export interface AsyncState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
}

/** With `enabled` false nothing loads yet (state stays loading), e.g. to let a more urgent request go first. */
export function useAsync<T>(key: string, load: (signal: AbortSignal) => Promise<T>, enabled = true): AsyncState<T> & { reload: () => void } {
  const [state, setState] = useState<AsyncState<T>>({ data: undefined, error: undefined, loading: true });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!enabled) return undefined;
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    load(controller.signal).then(
      (data) => setState({ data, error: undefined, loading: false }),
      (error: Error) => {
        if (error.name !== 'AbortError') setState((previous) => ({ data: previous.data, error, loading: false }));
      },
    );
    return () => controller.abort();
    // `load` is a fresh closure every render; the key says when to load again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, attempt, enabled]);
  return { ...state, reload: () => setAttempt((n) => n + 1) };
}
