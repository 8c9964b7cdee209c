// Wakes long-polling feed readers of a tenant when this process commits events for it. Other
// processes' writes are not seen here; readers re-check the store periodically for those.
// Listeners hear every commit (the streams thread is told of them this way).

export function createCommitNotifier() {
  const waiters = new Map<string, Set<() => void>>();
  const listeners = new Set<(tenantId: string) => void>();

  function notify(tenantId: string): void {
    for (const listener of listeners) listener(tenantId);
    const set = waiters.get(tenantId);
    if (!set) return;
    waiters.delete(tenantId);
    for (const wake of set) wake();
  }

  /** Resolves on the tenant's next commit, after `ms`, or when `signal` aborts, whichever is first. */
  function wait(tenantId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      let set = waiters.get(tenantId);
      if (!set) waiters.set(tenantId, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const current = waiters.get(tenantId);
        current?.delete(done);
        if (current?.size === 0) waiters.delete(tenantId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  /** Calls `listener` on every commit until the returned function is called. */
  function listen(listener: (tenantId: string) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  return { notify, wait, listen, waiting: (tenantId: string) => waiters.get(tenantId)?.size ?? 0 };
}

export type CommitNotifier = ReturnType<typeof createCommitNotifier>;
