import { defineCommand } from 'citty';
import { resolve } from 'node:path';
import { startWitnessServer } from '../witness/witness-server.js';
import { wholeOption } from './_context.js';
import { addExamples } from './_help.js';

export const witnessCommand = defineCommand({
  meta: {
    name: 'witness',
    description: 'Run a transparency-log witness (C2SP tlog-witness): it cosigns only checkpoints consistent with what it saw before. Run it on another machine than Stele.',
  },
  args: {
    'state-dir': { type: 'string', required: true, description: 'Where the witness keeps its key and the latest checkpoint of each log (keep it off the Stele host)' },
    'log-key': { type: 'string', required: true, description: "Stele's note key (GET /v1/integrity/public-key → note_key); several separated by commas" },
    name: { type: 'string', default: 'localhost/witness', description: 'The witness name its cosignatures carry, a schema-less URL (e.g. witness.example.com/w1)' },
    host: { type: 'string', default: '127.0.0.1', description: 'Address to listen on' },
    port: { type: 'string', default: '7380', description: 'Port to listen on' },
  },
  run: async ({ args }) => {
    const port = wholeOption('port', args.port, { min: 0, max: 65535 }, 7380);
    const witness = await startWitnessServer({
      stateDir: resolve(args['state-dir']), name: args.name, host: args.host, port,
      logKeys: args['log-key'].split(',').map((key) => key.trim()).filter(Boolean),
    });
    process.stdout.write([
      `Stele witness ${args.name} is listening on ${witness.url}`,
      `  state: ${resolve(args['state-dir'])}`,
      `  cosigner key: ${witness.cosignerKey}`,
      '',
      '  Point Stele at it:',
      `    STELE_WITNESSES='${witness.url} ${witness.cosignerKey}'`,
      '',
    ].join('\n'));
    const stop = () => witness.close().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  },
});

addExamples(witnessCommand, [
  'stele witness --state-dir /var/lib/stele-witness --log-key "$(curl -s $STELE/v1/integrity/public-key -H "Authorization: Bearer $KEY" | jq -r .note_key)"',
  'stele witness --state-dir ./witness --log-key audit.example.com/stele+1234abcd+AQ... --name witness.example.com/w1 --host 0.0.0.0 --port 7380',
]);
