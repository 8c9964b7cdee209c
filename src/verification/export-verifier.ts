// Offline verification of an exported file (NDJSON or a JSON array of stored events) against a
// signed checkpoint and the instance public key. No server, no database: only the file, the
// checkpoint note and the key. Used by `stele verify`.

import { createPublicKey } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { StoredEvent } from '../domain/event.js';
import {
  leafHashOf, LogVerifier, NoteError, openCheckpoint, parseNote, rawPublicKey, verifierKeyString, type Checkpoint,
} from '../integrity/index.js';

export interface ExportVerification {
  ok: boolean;
  checked: number;
  firstSeq: number | undefined;
  lastSeq: number | undefined;
  checkpoint: { origin: string; size: number; rootHex: string } | undefined;
  /** True when the root at the checkpoint's size was recomputed from the file and matched. */
  rootMatched: boolean;
  notes: string[];
  failures: { seq: number; id: string; reason: string; message: string }[];
}

/** Opens the checkpoint note with the public key (PEM); the key name is taken from the note's signature line. */
export function openCheckpointWithPem(noteText: string, publicKeyPem: string): Checkpoint {
  const publicKey = rawPublicKey(createPublicKey(publicKeyPem));
  const names = [...new Set(parseNote(noteText).signatures.map((s) => s.name))];
  let lastError: unknown = new NoteError('no_signature', 'the checkpoint carries no signature');
  for (const name of names) {
    try {
      return openCheckpoint(noteText, verifierKeyString(name, publicKey));
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function* readEvents(file: string): AsyncGenerator<{ event: StoredEvent; line: number }> {
  const head = readFileSync(file, { encoding: 'utf8', flag: 'r' }).slice(0, 1).trimStart();
  if (head.startsWith('[')) {
    const all = JSON.parse(readFileSync(file, 'utf8')) as StoredEvent[];
    for (const [i, event] of all.entries()) yield { event, line: i + 1 };
    return;
  }
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    line += 1;
    if (text.trim() === '') continue;
    try {
      yield { event: JSON.parse(text) as StoredEvent, line };
    } catch {
      throw new Error(`line ${line} of ${file} is not JSON`);
    }
  }
}

export async function verifyExportFile(options: { eventsFile: string; checkpointNote?: string; publicKeyPem?: string }): Promise<ExportVerification> {
  const notes: string[] = [];
  let checkpoint: Checkpoint | undefined;
  if (options.checkpointNote !== undefined) {
    if (!options.publicKeyPem) throw new Error('a checkpoint can only be trusted with the public key: pass --public-key');
    checkpoint = openCheckpointWithPem(options.checkpointNote, options.publicKeyPem);
  }
  let verifier: LogVerifier | undefined;
  let firstSeq: number | undefined;
  let lastSeq: number | undefined;
  const anchorFailures: ExportVerification['failures'] = [];
  for await (const { event } of readEvents(options.eventsFile)) {
    if (!verifier) {
      firstSeq = event.seq;
      if (event.seq === 1) {
        verifier = new LogVerifier({ firstSeq: 1, expectedRoots: checkpoint ? [{ size: checkpoint.size, rootHash: checkpoint.rootHash }] : [] });
      } else {
        // The chain before this file is unknown: trust the first event's stored chain hash as the
        // anchor (its leaf hash is still checked) and verify everything after it.
        notes.push(`the file starts at seq ${event.seq}, not 1: its first chain hash is taken as given and the Merkle root cannot be recomputed`);
        verifier = new LogVerifier({ firstSeq: event.seq + 1, prevChainHash: Buffer.from(event.chain_hash, 'hex') });
        if (Buffer.from(leafHashOf(event)).toString('hex') !== event.leaf_hash) {
          anchorFailures.push({ seq: event.seq, id: event.id, reason: 'content_changed', message: 'the event no longer hashes to its stored leaf hash' });
        }
        lastSeq = event.seq;
        continue;
      }
    }
    verifier.push(event);
    lastSeq = event.seq;
  }
  const summary = verifier?.finish();
  const failures = [...anchorFailures, ...(summary?.failures ?? [])];
  if (!verifier) notes.push('the file holds no events');
  const rootChecked = checkpoint !== undefined && firstSeq === 1;
  if (checkpoint && firstSeq !== 1) failures.push({ seq: firstSeq ?? 0, id: '', reason: 'root_mismatch', message: 'the checkpoint cannot be checked: the file does not start at seq 1' });
  return {
    ok: failures.length === 0,
    checked: (summary?.checked ?? 0) + (firstSeq !== undefined && firstSeq !== 1 ? 1 : 0),
    firstSeq,
    lastSeq,
    checkpoint: checkpoint && { origin: checkpoint.origin, size: checkpoint.size, rootHex: Buffer.from(checkpoint.rootHash).toString('hex') },
    rootMatched: rootChecked && failures.length === 0,
    notes,
    failures,
  };
}
