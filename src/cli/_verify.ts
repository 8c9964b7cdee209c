import { defineCommand } from 'citty';
import { readFileSync, statSync } from 'node:fs';
import { verifyExportFile, type ExportVerification } from '../verification/export-verifier.js';
import { verifyPackage, type PackageVerification } from '../verification/package-verifier.js';
import { EXIT, usageError, wholeOption } from './_context.js';
import { addExamples } from './_help.js';
import { progressBar } from './_progress.js';

function print(result: ExportVerification): void {
  for (const note of result.notes) process.stdout.write(`note: ${note}\n`);
  for (const warning of result.warnings) process.stdout.write(`WARNING: ${warning}\n`);
  if (!result.ok) {
    const [first] = result.failures;
    process.stdout.write(`FAILED: seq ${first!.seq}${first!.id ? ` (id ${first!.id})` : ''}: ${first!.reason}: ${first!.message}\n`);
    if (result.failures.length > 1) process.stdout.write(`(${result.failures.length - 1} more failures; --json lists all)\n`);
    return;
  }
  const range = result.firstSeq === undefined ? '' : ` (seq ${result.firstSeq}..${result.lastSeq})`;
  // Forgotten events verify by their kept hashes; say which, and which signed record explains them.
  for (const f of result.forgotten.slice(0, 20)) {
    process.stdout.write(`note: seq ${f.from_seq}${f.to_seq > f.from_seq ? `..${f.to_seq}` : ''} ${f.kind} (content removed), explained by the signed record at seq ${f.by_seq}
`);
  }
  if (result.forgotten.length > 20) process.stdout.write(`note: ${result.forgotten.length - 20} more runs of forgotten events (--json lists all)
`);
  const cp = result.checkpoint;
  const witnessed = result.witnesses.length > 0 ? `, cosigned by ${result.witnesses.join(', ')}` : '';
  if (result.mode === 'evidence') {
    process.stdout.write(`OK: ${result.checked} events verified${range}: each is in the log of ${cp!.origin} at tree size ${cp!.size} (inclusion proofs against its signed checkpoint${witnessed}), and the file holds exactly the events its signed statement lists.\n`);
    return;
  }
  process.stdout.write(`OK: ${result.checked} events verified${range}: every leaf hash and chain hash recomputes.\n`);
  if (cp) process.stdout.write(`OK: the Merkle root at tree size ${cp.size} matches the signed checkpoint of ${cp.origin}${witnessed}.\n`);
}

function printPackage(result: PackageVerification): void {
  for (const check of result.checks) process.stdout.write(`${check.ok ? 'OK' : 'FAILED'}: ${check.check}: ${check.message}\n`);
  for (const warning of result.warnings) process.stdout.write(`note: ${warning}\n`);
  process.stdout.write(result.ok
    ? `OK: the package is complete and unaltered, and its summary is what its ${result.events} events say.\n`
    : 'FAILED: do not rely on this package.\n');
}

export const verifyCommand = defineCommand({
  meta: {
    name: 'verify',
    description: 'Verify an exported NDJSON/JSON file offline: an evidence file (proofs=true, bulk and scheduled exports) with the public key alone; a plain export against a signed checkpoint; or a SOC 2 package (--package)',
  },
  args: {
    events: { type: 'string', description: 'Exported events (NDJSON or JSON; an evidence file proves itself)' },
    package: { type: 'string', description: 'A report package (the SOC 2 zip): its signed MANIFEST, every file\'s hash, every event\'s proof, and the summary recomputed from the events' },
    checkpoint: { type: 'string', description: 'Signed checkpoint note, or a file of them as STELE_CHECKPOINT_FILE holds (the newest of the tenant is used)' },
    'public-key': { type: 'string', description: 'Instance public key, SPKI PEM (GET /v1/integrity/public-key → .pem), obtained apart from the file' },
    'witness-key': { type: 'string', description: 'Witness cosigner keys (vkeys, comma-separated) whose cosignatures count' },
    'min-witnesses': { type: 'string', description: 'Fail unless the checkpoint carries this many valid witness cosignatures' },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  run: async ({ args }) => {
    const minWitnesses = wholeOption('min-witnesses', args['min-witnesses'], { min: 0 }, 0);
    const witnessKeys = (args['witness-key'] ?? '').split(',').map((k) => k.trim()).filter(Boolean);
    if (minWitnesses > witnessKeys.length) throw usageError(`--min-witnesses ${minWitnesses} needs at least as many --witness-key`);
    if ((args.events === undefined) === (args.package === undefined)) throw usageError('give --events FILE or --package FILE');
    if (args.package !== undefined) {
      const checked = await verifyPackage({
        file: args.package, witnessKeys, minWitnesses, ...(args['public-key'] && { publicKeyPem: readFileSync(args['public-key'], 'utf8') }),
      });
      if (args.json) process.stdout.write(`${JSON.stringify(checked, null, 2)}\n`);
      else printPackage(checked);
      if (!checked.ok) process.exitCode = 1;
      return;
    }
    const bar = progressBar('bytes', statSync(args.events!).size);
    const result = await verifyExportFile({
      eventsFile: args.events!,
      ...(args.checkpoint && { checkpointText: readFileSync(args.checkpoint, 'utf8') }),
      ...(args['public-key'] && { publicKeyPem: readFileSync(args['public-key'], 'utf8') }),
      witnessKeys,
      minWitnesses,
      onProgress: (bytes) => bar.update(bytes),
    }).finally(() => {
      bar.update(statSync(args.events!).size);
      bar.stop();
    });
    if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else print(result);
    if (!result.ok) process.exitCode = EXIT.failed;
  },
});

addExamples(verifyCommand, [
  'stele verify --events logins.ndjson --public-key stele.pem   # an evidence file (proofs=true)',
  'stele verify --events events.ndjson --checkpoint checkpoint.txt --public-key stele.pem',
  'stele verify --events evidence.ndjson --public-key stele.pem --witness-key "$WITNESS_KEY" --min-witnesses 1 --json',
]);
