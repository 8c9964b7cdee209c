// Group commit for asynchronous drivers: jobs for one key (a tenant) run one group at a time;
// jobs that arrive while a group is being committed wait and form the next group, so a busy
// tenant pays for its head lock and its commit once per group instead of once per request.

export type JobResult<R> = { ok: R } | { error: unknown };

interface Waiting<J, R> {
  job: J;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * `run` commits a group and returns one result per job (a job-level error fails only that job);
 * if `run` throws, every job of the group fails with that error.
 */
export function createBatchingQueue<J, R>(run: (key: string, jobs: J[]) => Promise<JobResult<R>[]>, maxGroup = 64) {
  const waiting = new Map<string, Waiting<J, R>[]>();

  async function drain(key: string): Promise<void> {
    for (;;) {
      const queue = waiting.get(key);
      if (!queue || queue.length === 0) {
        waiting.delete(key);
        return;
      }
      const group = queue.splice(0, maxGroup);
      try {
        const results = await run(key, group.map((w) => w.job));
        group.forEach((w, i) => {
          const result = results[i]!;
          if ('ok' in result) w.resolve(result.ok);
          else w.reject(result.error);
        });
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
  }

  return function enqueue(key: string, job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = waiting.get(key);
      if (queue) {
        queue.push({ job, resolve, reject });
        return;
      }
      waiting.set(key, [{ job, resolve, reject }]);
      void drain(key);
    });
  };
}
