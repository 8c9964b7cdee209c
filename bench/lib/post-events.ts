// Sends ingest request bodies to a server, `concurrency` requests at a time, and counts the events
// it stored: the one client loop of the benchmarks that post over HTTP and count what was taken.

import { loadClient } from './load-client.js';

/** Resolves with the number of events the server answered for; throws on any answer but 201. */
export async function postEvents(url: string, key: string, bodies: readonly string[], concurrency: number): Promise<number> {
  let next = 0;
  let events = 0;
  const client = loadClient(url, concurrency);
  try {
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const answer = await client.post('/v1/events', body, { authorization: `Bearer ${key}` });
        if (answer.status !== 201) throw new Error(`ingest answered ${answer.status}: ${answer.text}`);
        // Read the answer first: `events += await …` would add to the count as it was before the
        // await, losing what the other requests added meanwhile (counts of 40–50% until 2026-12-07).
        const stored = (JSON.parse(answer.text) as { events: unknown[] }).events.length;
        events += stored;
      }
    }));
  } finally {
    client.close();
  }
  return events;
}
