// `stele bench`: how fast a server (through the SDK, batched as an application would send) or the
// local store (through the ingest service) takes synthetic events, in events per second.

import { defineCommand } from 'citty';
import { createAuditClient } from '@stele/sdk';
import { note, printJson, wholeOption } from './_context.js';
import { addExamples } from './_help.js';
import { remoteTarget, TARGET_ARGS, withLog } from './_log-access.js';
import { progressBar } from './_progress.js';

/** An event like an application's: an actor, a target, an address, a few details. */
export const syntheticEvent = (i: number) => ({
  action: i % 5 === 0 ? 'login.failed' : 'document.viewed',
  actor: { id: `user_${i % 97}`, type: 'user', email: `user${i % 97}@example.com` },
  target: { type: 'document', id: `doc_${i % 1009}` },
  context: { ip: `10.0.${(i >> 8) & 255}.${i & 255}`, user_agent: 'stele-bench' },
  success: i % 5 !== 0,
  details: { i, run: 'stele bench' },
});

export const benchCommand = defineCommand({
  meta: { name: 'bench', description: 'Send synthetic events and report events per second: to a server through the SDK, or into the local store' },
  args: {
    ...TARGET_ARGS,
    events: { type: 'string', description: 'How many events (default 10,000)' },
    'batch-size': { type: 'string', description: 'Events per request or append, 1 to 1000 (default 100)' },
    concurrency: { type: 'string', description: 'Batches in flight at once, through the SDK (default 8)' },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  run: async ({ args }) => {
    const events = wholeOption('events', args.events, { min: 1, max: 10_000_000 }, 10_000);
    const batchSize = wholeOption('batch-size', args['batch-size'], { min: 1, max: 1000 }, 100);
    const concurrency = wholeOption('concurrency', args.concurrency, { min: 1, max: 64 }, 8);
    const remote = remoteTarget(args);
    const bar = progressBar('events', events);
    let seconds: number;
    try {
      if (remote) {
        // What an application sees: record() one event at a time, the SDK batching and sending.
        const audit = createAuditClient({ url: remote.url, apiKey: remote.key, batchSize, maxInFlight: concurrency, maxBufferedEvents: Math.max(10_000, batchSize * concurrency * 4), onBufferFull: 'block' });
        const started = process.hrtime.bigint();
        for (let i = 0; i < events; i++) {
          const waiting = audit.record(syntheticEvent(i));
          if (waiting) await waiting;
          if (i % 1000 === 0) bar.update(audit.stats().delivered);
        }
        await audit.flush();
        seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const { rejected } = audit.stats();
        await audit.close();
        if (rejected > 0) note(`warning: Stele refused ${rejected} events`);
      } else {
        seconds = await withLog(args, async (log) => {
          const lines = Array.from({ length: events }, (_, i) => ({ line: i + 1, event: syntheticEvent(i) }));
          const started = process.hrtime.bigint();
          await log.send(lines, { batchSize, onProgress: (done) => bar.update(done) });
          return Number(process.hrtime.bigint() - started) / 1e9;
        });
      }
    } finally {
      bar.stop();
    }
    const result = { events, seconds: Math.round(seconds * 1000) / 1000, events_per_second: Math.round(events / seconds), batch_size: batchSize, ...(remote && { concurrency }), target: remote ? remote.url : 'local store' };
    if (args.json) printJson(result);
    else process.stdout.write(`${result.events_per_second} events/s (${events} events in ${result.seconds} s, batches of ${batchSize}${remote ? `, ${concurrency} in flight, to ${remote.url}` : ', into the local store'})\n`);
  },
});

addExamples(benchCommand, [
  'stele bench --url http://127.0.0.1:8080 --key $STELE_API_KEY --events 50000',
  'stele bench --tenant 01J... --events 20000 --batch-size 500 --json',
]);
