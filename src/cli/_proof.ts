// `stele proof`: an event's inclusion proof, or a consistency proof between two tree sizes, as
// the API gives them; with --verify, checked here against a note key obtained apart from the
// server (the SDK's own checks: leaf hash from the event's content, signature, witnesses, proof).

import { defineCommand } from 'citty';
import { checkConsistency, checkInclusion, parseTrust, VerificationError, type Trust } from '@stele/sdk';
import { CLIError, EXIT, printJson, usageError, wholeOption } from './_context.js';
import { addExamples } from './_help.js';
import { TARGET_ARGS, withLog, type LogAccess } from './_log-access.js';

async function noteAt(log: LogAccess, size: number, given: string | null): Promise<string> {
  return given ?? (await log.checkpoint({ size })).checkpoint;
}

export const proofCommand = defineCommand({
  meta: { name: 'proof', description: 'An event\'s inclusion proof, or a consistency proof between two tree sizes; --verify checks it against a note key' },
  args: {
    id: { type: 'positional', required: false, description: 'The event id (for an inclusion proof)' },
    ...TARGET_ARGS,
    'tree-size': { type: 'string', description: 'Prove inclusion in the tree of this size (default: the latest checkpoint)' },
    from: { type: 'string', description: 'Consistency proof: the older tree size' },
    to: { type: 'string', description: 'Consistency proof: the newer tree size' },
    verify: { type: 'boolean', description: 'Check the proof and the checkpoint signature here; exit 1 when they do not hold' },
    'note-key': { type: 'string', description: 'The log\'s note key (GET /v1/integrity/public-key → note_key, default STELE_NOTE_KEY), obtained apart from the server' },
    'witness-key': { type: 'string', description: 'Witness cosigner keys (comma-separated) whose cosignatures count' },
    'min-witnesses': { type: 'string', description: 'Refuse a checkpoint with fewer valid witness cosignatures' },
    json: { type: 'boolean', description: 'Print the proof (and what was verified) as JSON' },
  },
  run: async ({ args }) => {
    const from = wholeOption('from', args.from, { min: 1 });
    const to = wholeOption('to', args.to, { min: 1 });
    const treeSize = wholeOption('tree-size', args['tree-size'], { min: 1 });
    if ((args.id === undefined) === (from === undefined)) throw usageError('give an event id (inclusion) or --from and --to (consistency)');
    if (from !== undefined && to === undefined) throw usageError('--from needs --to');
    let trust: Trust | undefined;
    if (args.verify) {
      const noteKey = args['note-key'] ?? process.env.STELE_NOTE_KEY;
      if (!noteKey) throw usageError('--verify needs --note-key (or STELE_NOTE_KEY): the log\'s key, obtained apart from the server');
      const witnessKeys = (args['witness-key'] ?? '').split(',').map((key) => key.trim()).filter(Boolean);
      try {
        trust = parseTrust({ noteKey, witnessKeys, minWitnesses: wholeOption('min-witnesses', args['min-witnesses'], { min: 0 }, 0) });
      } catch (error) {
        throw usageError((error as Error).message);
      }
    }

    const result = await withLog(args, async (log) => {
      try {
        if (args.id !== undefined) {
          const proof = await log.inclusionProof(args.id, treeSize);
          if (!trust) return { proof };
          // The witnesses' lines are kept with the checkpoint, not in the proof's copy of it.
          const note = trust.minWitnesses > 0 ? (await log.checkpoint({ size: proof.tree_size })).checkpoint : await noteAt(log, proof.tree_size, proof.checkpoint);
          return { proof, verified: checkInclusion(await log.event(args.id), proof, note, trust) };
        }
        const proof = await log.consistencyProof(from!, to!);
        if (!trust) return { proof };
        const [older, newer] = await Promise.all([noteAt(log, from!, proof.from_checkpoint), noteAt(log, to!, proof.to_checkpoint)]);
        return { proof, verified: checkConsistency(older, newer, proof.proof, undefined, trust) };
      } catch (error) {
        if (error instanceof VerificationError) throw new CLIError(`verification FAILED (${error.reason}): ${error.message}`, EXIT.failed);
        throw error;
      }
    });
    if (args.json) {
      printJson(result);
      return;
    }
    process.stdout.write(`${JSON.stringify(result.proof, null, 2)}\n`);
    if (result.verified) {
      const v = result.verified as { to?: { size: number; origin: string }; size?: number; origin?: string; witnesses?: string[] };
      process.stdout.write(v.to
        ? `OK: the log of ${v.to.origin} at size ${v.to.size} extends the one signed at size ${from}.\n`
        : `OK: event ${args.id} is in the log of ${v.origin} signed at size ${v.size}${v.witnesses?.length ? `, cosigned by ${v.witnesses.join(', ')}` : ''}.\n`);
    }
  },
});

addExamples(proofCommand, [
  'stele proof 01J...EVENT --url https://audit.example.com --key $STELE_API_KEY',
  'stele proof 01J...EVENT --verify --note-key "$(cat note-key.txt)" --tenant 01J...   # local store',
  'stele proof --from 1000 --to 2000 --verify --note-key "$NOTE_KEY" --json',
]);
