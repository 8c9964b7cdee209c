// Writers that keep posting batches of events to a Stele server, as a careful client would: each
// batch carries its own ids and is resent as it is after a 503, until it is stored (a 503 may
// follow a commit that did take effect; the resend then answers with the same seqs). Every answer
// other than 201, or 503 `unavailable` with Retry-After, is a problem: a 500, another error, no
// answer within REQUEST_BOUND_MS (a hang), or no answer at all (the process died).

export const REQUEST_BOUND_MS = 10_000;
const EVENTS_PER_BATCH = 5;
const PAUSE_AFTER_503_MS = 100;

export interface WriteLoad {
  /** Acknowledged (201) ids and the seq each was given. */
  readonly acked: Map<string, number>;
  /** Batches acknowledged so far. */
  readonly stored: () => number;
  /** 503 unavailable answers with a Retry-After so far. */
  readonly unavailable: () => number;
  readonly problems: string[];
  /** Holds the writers between two batches (so that every connection of the server goes idle), until resume(). */
  pause(): Promise<void>;
  resume(): void;
  /** Lets each writer finish its batch, then stops them. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function startWriteLoad(url: string, key: string, writers: number): WriteLoad {
  const acked = new Map<string, number>();
  const problems: string[] = [];
  let stored = 0;
  let unavailable = 0;
  let running = true;
  let paused: Promise<void> | undefined;
  let unpause: (() => void) | undefined;
  const idle = new Set<number>();

  async function post(body: unknown): Promise<{ status: number; body: unknown; retryAfter: string | null }> {
    const response = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_BOUND_MS),
    });
    return { status: response.status, body: await response.json().catch(() => undefined), retryAfter: response.headers.get('retry-after') };
  }

  async function writer(w: number): Promise<void> {
    for (let b = 0; running; b++) {
      if (paused) {
        idle.add(w);
        await paused;
        idle.delete(w);
      }
      const batch = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({ id: `w${w}-b${b}-e${i}`, action: 'fault.test', details: { w, b, i } }));
      for (;;) {
        let answer;
        try {
          answer = await post(batch);
        } catch (error) {
          problems.push(`writer ${w}, batch ${b}: no answer (${(error as Error).message})`);
          return;
        }
        if (answer.status === 201) {
          for (const e of (answer.body as { events: { id: string; seq: number }[] }).events) acked.set(e.id, e.seq);
          stored += 1;
          break;
        }
        const code = (answer.body as { error?: { code?: string } } | undefined)?.error?.code;
        if (answer.status === 503 && code === 'unavailable' && Number(answer.retryAfter) >= 1) {
          unavailable += 1;
          await sleep(PAUSE_AFTER_503_MS);
          if (!running) return; // unacknowledged: it may or may not be stored, and either is right
          continue;
        }
        problems.push(`writer ${w}, batch ${b}: ${answer.status} retry-after=${answer.retryAfter} ${JSON.stringify(answer.body)}`);
        return;
      }
    }
  }

  const done = Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  return {
    acked,
    stored: () => stored,
    unavailable: () => unavailable,
    problems,
    async pause() {
      paused = new Promise((resolve) => { unpause = resolve; });
      while (idle.size < writers && problems.length === 0) await sleep(20);
    },
    resume() {
      paused = undefined;
      unpause?.();
    },
    async stop() {
      running = false;
      this.resume();
      await done;
    },
  };
}
