// `stele export`: a tenant's events in any export format (csv, ndjson, json, cef, leef, ocsf), the
// filters of the search language, to a file (written beside it first, renamed when complete) or
// to stdout, with a progress bar on a terminal. With --proofs, an evidence file `stele verify`
// checks offline.

import { defineCommand } from 'citty';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { EXPORT_FORMAT_NAMES } from '../export/formats/index.js';
import { note, printJson } from './_context.js';
import { addExamples } from './_help.js';
import { TARGET_ARGS, withLog, type Selection } from './_log-access.js';
import { progressBar } from './_progress.js';

export const exportCommand = defineCommand({
  meta: { name: 'export', description: 'Export events (csv, ndjson, json, cef, leef, ocsf) to a file or stdout, with a progress bar on a terminal' },
  args: {
    format: { type: 'enum', options: [...EXPORT_FORMAT_NAMES], required: true, description: 'The file format' },
    out: { type: 'string', description: 'The file to write (default: stdout)' },
    ...TARGET_ARGS,
    q: { type: 'string', description: 'Search language: only the events that match' },
    'saved-search': { type: 'string', description: 'Id of a saved search (ANDed with --q)' },
    proofs: { type: 'boolean', description: 'ndjson or json: an evidence file (each event\'s inclusion proof, a signed checkpoint and statement) that `stele verify` checks offline' },
    json: { type: 'boolean', description: 'Print what was written as JSON: {file, format, rows, bytes}' },
  },
  run: async ({ args }) => {
    const selection: Selection = {
      ...(args.q !== undefined && { q: args.q }),
      ...(args['saved-search'] !== undefined && { saved_search: args['saved-search'] }),
    };
    const partial = args.out === undefined ? undefined : `${args.out}.part`;
    const written = await withLog(args, async (log) => {
      const { rowCount, chunks } = await log.export(args.format, selection, args.proofs ?? false);
      const target = partial === undefined ? process.stdout : createWriteStream(partial);
      const bar = partial === undefined ? undefined : progressBar('events', rowCount);
      let bytes = 0;
      let lines = 0;
      try {
        for await (const chunk of chunks) {
          const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          bytes += data.length;
          // Every format writes one event a line: lines are a good count of rows so far.
          for (let at = data.indexOf(0x0a); at !== -1; at = data.indexOf(0x0a, at + 1)) lines++;
          bar?.update(Math.min(lines, rowCount));
          if (!target.write(data)) await new Promise<void>((resolve) => target.once('drain', () => resolve()));
        }
        bar?.update(rowCount);
        if (target !== process.stdout) {
          target.end();
          await finished(target);
        }
      } catch (error) {
        if (target !== process.stdout) {
          target.destroy();
          rmSync(partial!, { force: true });
        }
        throw error;
      } finally {
        bar?.stop();
      }
      return { rows: rowCount, bytes };
    });
    if (args.out !== undefined) {
      renameSync(partial!, args.out);
      if (args.json) printJson({ file: args.out, format: args.format, ...written });
      else note(`exported ${written.rows} events (${written.bytes} bytes, ${args.format}) to ${args.out}`);
    }
  },
});

addExamples(exportCommand, [
  'stele export --format csv --out logins.csv --q "action:login.*" --url https://audit.example.com --key $STELE_API_KEY',
  'stele export --format ndjson --proofs --out evidence.ndjson --tenant 01J...   # local store; then: stele verify --events evidence.ndjson --public-key stele.pem',
  'stele export --format cef --tenant 01J... | gzip > events.cef.gz',
]);
