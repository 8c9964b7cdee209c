// `stele tail`: the last events of a tenant's log that match a search, then every new one as it
// is written (the seq-ordered feed: nothing skipped or shown twice), one line each or as NDJSON.

import { defineCommand } from 'citty';
import type { StoredEvent } from '../domain/event.js';
import { wholeOption } from './_context.js';
import { addExamples } from './_help.js';
import { TARGET_ARGS, withLog, type Selection } from './_log-access.js';

/** One event on one line: time, seq, action, outcome, who, what, from where. */
export function prettyLine(event: StoredEvent): string {
  const parts = [event.occurred_at, `#${event.seq}`, event.action];
  if (event.success === false) parts.push('FAILED');
  const actor = event.actor?.email ?? event.actor?.id ?? event.actor?.name;
  if (actor) parts.push(`actor=${actor}`);
  if (event.target?.type || event.target?.id) parts.push(`target=${[event.target.type, event.target.id].filter(Boolean).join(':')}`);
  if (event.context?.ip) parts.push(`ip=${event.context.ip}`);
  if (event.details && Object.keys(event.details).length > 0) parts.push(JSON.stringify(event.details));
  return parts.join('  ');
}

export const tailCommand = defineCommand({
  meta: { name: 'tail', description: 'Show the latest events that match a search, then follow the log as events arrive' },
  args: {
    ...TARGET_ARGS,
    q: { type: 'string', description: 'Search language: actor:alice@example.com AND action:login.* AND time:>now-1h' },
    'saved-search': { type: 'string', description: 'Id of a saved search (ANDed with --q)' },
    lines: { type: 'string', description: 'How many of the latest matching events to show first (default 10)' },
    'after-seq': { type: 'string', description: 'Instead of the latest events, start after this seq' },
    follow: { type: 'boolean', default: true, negativeDescription: 'Show the latest events and stop', description: 'Keep following new events' },
    json: { type: 'boolean', description: 'One JSON event per line (NDJSON), as the API returns them' },
  },
  run: async ({ args }) => {
    const selection: Selection = {
      ...(args.q !== undefined && { q: args.q }),
      ...(args['saved-search'] !== undefined && { saved_search: args['saved-search'] }),
    };
    const show = (event: StoredEvent) => process.stdout.write(`${args.json ? JSON.stringify(event) : prettyLine(event)}\n`);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await withLog(args, async (log) => {
        let after: number;
        if (args['after-seq'] !== undefined) {
          after = wholeOption('after-seq', args['after-seq'], { min: 0 }, 0);
        } else {
          const lines = wholeOption('lines', args.lines, { min: 0, max: 1000 }, 10);
          const latest = await log.latest(selection, Math.max(lines, 1));
          const shown = lines === 0 ? [] : latest.slice().reverse();
          for (const event of shown) show(event);
          // Follow from the end of the log, matching or not: the newest matching event may be old.
          after = Math.max(latest[0]?.seq ?? 0, (await log.latest({}, 1))[0]?.seq ?? 0);
        }
        do {
          const page = await log.feed(selection, after, args.follow ? 20 : 0, stop.signal).catch((error: unknown) => {
            if (stop.signal.aborted) return { events: [], next_after_seq: after };
            throw error;
          });
          for (const event of page.events) show(event);
          after = page.next_after_seq;
          if (!args.follow && page.events.length === 0) break;
        } while (!stop.signal.aborted);
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
});

addExamples(tailCommand, [
  'stele tail --url https://audit.example.com --key $STELE_API_KEY --q "action:login.failed"',
  'stele tail --tenant 01J... --q "actor:alice@example.com AND time:>now-1h" --json | jq .action',
  'stele tail --after-seq 1200 --no-follow --json > since-1200.ndjson',
]);
