import { defineCommand } from 'citty';
import { readFileSync } from 'node:fs';
import { verifyExportFile } from '../verification/export-verifier.js';

export const verifyCommand = defineCommand({
  meta: { name: 'verify', description: 'Verify an exported NDJSON/JSON file offline against a signed checkpoint and the public key' },
  args: {
    events: { type: 'string', required: true, description: 'Exported events (NDJSON or JSON array, in seq order)' },
    checkpoint: { type: 'string', description: 'Signed checkpoint note (GET /v1/integrity/checkpoints/latest → .checkpoint)' },
    'public-key': { type: 'string', description: 'Instance public key, SPKI PEM (GET /v1/integrity/public-key → .pem)' },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  run: async ({ args }) => {
    const result = await verifyExportFile({
      eventsFile: args.events,
      // A note saved through a shell often gains a trailing blank line; the note itself ends at its last signature.
      checkpointNote: args.checkpoint ? `${readFileSync(args.checkpoint, 'utf8').trimEnd()}\n` : undefined,
      publicKeyPem: args['public-key'] ? readFileSync(args['public-key'], 'utf8') : undefined,
    });
    if (args.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      for (const note of result.notes) process.stdout.write(`note: ${note}\n`);
      if (result.ok) {
        const range = result.firstSeq === undefined ? '' : ` (seq ${result.firstSeq}..${result.lastSeq})`;
        process.stdout.write(`OK: ${result.checked} events verified${range}: every leaf hash and chain hash recomputes.\n`);
        if (result.checkpoint) process.stdout.write(`OK: the Merkle root at tree size ${result.checkpoint.size} matches the signed checkpoint of ${result.checkpoint.origin}.\n`);
      } else {
        const [first] = result.failures;
        process.stdout.write(`FAILED: seq ${first!.seq}${first!.id ? ` (id ${first!.id})` : ''}: ${first!.reason}: ${first!.message}\n`);
        if (result.failures.length > 1) process.stdout.write(`(${result.failures.length - 1} more failures; --json lists all)\n`);
      }
    }
    if (!result.ok) process.exitCode = 1;
  },
});
