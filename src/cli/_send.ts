// `stele send`: events from a file or stdin (a JSON event, a JSON array, or NDJSON) to a server or
// into the local store. Events Stele refuses are named by line (NDJSON) or position (JSON array)
// and field; the others are stored.

import { defineCommand } from 'citty';
import { readFileSync } from 'node:fs';
import { EXIT, printJson, wholeOption } from './_context.js';
import { addExamples } from './_help.js';
import { TARGET_ARGS, withLog, type LineEvent, type SendResult } from './_log-access.js';
import { progressBar } from './_progress.js';

/** The events of a text: one JSON value (an event or an array of them), else one JSON value per line. */
export function eventsOf(text: string): { events: LineEvent[]; unreadable: SendResult['refused'] } {
  const trimmed = text.trim();
  if (trimmed === '') return { events: [], unreadable: [] };
  try {
    const whole = JSON.parse(trimmed) as unknown;
    if (Array.isArray(whole)) return { events: whole.map((event, index) => ({ line: index + 1, event })), unreadable: [] };
    return { events: [{ line: 1, event: whole }], unreadable: [] };
  } catch {
    // Not one JSON value: NDJSON.
  }
  const events: LineEvent[] = [];
  const unreadable: SendResult['refused'] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      events.push({ line: index + 1, event: JSON.parse(line) });
    } catch (error) {
      unreadable.push({ line: index + 1, message: `not JSON: ${(error as Error).message}` });
    }
  });
  return { events, unreadable };
}

export const sendCommand = defineCommand({
  meta: { name: 'send', description: 'Send events from a file or stdin (NDJSON, or JSON: one event or an array) to a server, or into the local store' },
  args: {
    file: { type: 'positional', required: false, description: 'File to send; "-" or none reads stdin' },
    ...TARGET_ARGS,
    'batch-size': { type: 'string', description: 'Events per request, 1 to 1000 (default 500)' },
    json: { type: 'boolean', description: 'Print the result as JSON: {stored, refused: [{line, field, message}]}' },
  },
  run: async ({ args }) => {
    const batchSize = wholeOption('batch-size', args['batch-size'], { min: 1, max: 1000 }, 500);
    const text = readFileSync(args.file === undefined || args.file === '-' ? 0 : args.file, 'utf8');
    const { events, unreadable } = eventsOf(text);
    const result = await withLog(args, async (log) => {
      const bar = progressBar('events', events.length);
      try {
        return await log.send(events, { batchSize, onProgress: (done) => bar.update(done) });
      } finally {
        bar.stop();
      }
    });
    const refused = [...unreadable, ...result.refused].sort((a, b) => a.line - b.line);
    if (args.json) {
      printJson({ stored: result.stored, refused });
    } else {
      process.stdout.write(`stored ${result.stored} of ${events.length + unreadable.length} events\n`);
      for (const { line, field, message } of refused) process.stdout.write(`refused line ${line}: ${field ? `${field} ` : ''}${message}\n`);
    }
    if (refused.length > 0) process.exitCode = EXIT.failed;
  },
});

addExamples(sendCommand, [
  'stele send events.ndjson --url https://audit.example.com --key $STELE_API_KEY',
  'cat events.json | STELE_URL=http://127.0.0.1:8080 STELE_API_KEY=$KEY stele send -',
  'stele send events.ndjson --tenant 01J...   # into the local store (STELE_DATA_DIR)',
]);
