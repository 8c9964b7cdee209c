// A row's buttons (pause, delete, enable ...): each runs one request, then `done` (a reload of
// the list); the error of the last one is kept for the row to show beside them.

import { useState } from 'react';

export function useAction(done: () => void) {
  const [failure, setFailure] = useState<Error | undefined>();
  const run = async (what: () => Promise<unknown>): Promise<void> => {
    setFailure(undefined);
    try {
      await what();
      done();
    } catch (error) {
      setFailure(error as Error);
    }
  };
  return { failure, setFailure, run };
}
