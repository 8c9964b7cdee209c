// Offline verification of an exported file, used by `stele verify`. No server, no database: only
// the file, the instance's public key, and optionally a checkpoint file and witness keys.
//
// - An evidence file (exports with proofs: bulk, evidence and scheduled NDJSON/JSON, or
//   `proofs=true`) is checked on its own: its pinned checkpoint, each event's inclusion proof, and
//   the signed statement of the events it holds. A filtered file verifies too.
// - A plain NDJSON/JSON export is checked as a chain (every leaf and chain hash recomputes) and,
//   with a checkpoint, its Merkle root is recomputed from seq 1 and compared with the newest
//   signed checkpoint of the file's tenant. Without one, nothing ties the file to a signed root —
//   and the answer says so.

import { createPublicKey } from 'node:crypto';
import { closeSync, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { StoredEvent } from '../domain/event.js';
import {
  EvidenceVerifier, HEADER_KEY, isEvidenceHeader, isEvidenceTrailer, leafHashOf, LogVerifier, NoteError, openCheckpointByKey,
  parseCosignerKey, rawPublicKey, splitNotes, TRAILER_KEY, validCosignatures, type CosignerKey, type EvidenceHeader, type EvidenceTrailer,
  type ForgottenRange, type OpenedCheckpoint,
} from '@stele/integrity';
import { tenantOfOrigin } from '../checkpoints/log-origin.js';

export interface VerifyFileOptions {
  eventsFile: string;
  /** Text of a checkpoint note, or of a file of several (STELE_CHECKPOINT_FILE as Stele writes it). */
  checkpointText?: string;
  publicKeyPem?: string;
  /** Witness cosigner keys (vkeys) to count cosignatures with. */
  witnessKeys?: readonly string[];
  /** Cosignatures required from those witnesses (default 0). */
  minWitnesses?: number;
  /** Told how many bytes of the file have been read, now and then (a progress bar). */
  onProgress?: (bytesRead: number) => void;
}

export interface ExportVerification {
  ok: boolean;
  /** evidence: proofs and a signed statement; checkpoint: chain and root against a checkpoint; chain: hashes only. */
  mode: 'evidence' | 'checkpoint' | 'chain';
  checked: number;
  firstSeq: number | undefined;
  lastSeq: number | undefined;
  checkpoint: { origin: string; size: number; rootHex: string } | undefined;
  /** Witnesses whose cosignatures on the checkpoint verified. */
  witnesses: string[];
  /** True when the root at the checkpoint's size was recomputed from the file and matched. */
  rootMatched: boolean;
  notes: string[];
  warnings: string[];
  failures: { seq: number; id: string; reason: string; message: string }[];
  /** Events whose content was removed, in runs, each explained by a signed record in the file. */
  forgotten: ForgottenRange[];
}

type Item = Record<string, unknown>;

/** The file's JSON values in order: NDJSON lines, the elements of a JSON array, or an evidence JSON object's parts. */
/** The file's first line (at most 1 MiB of it), to tell NDJSON from one JSON document. */
function firstLine(file: string): string {
  const handle = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    const text = buffer.subarray(0, readSync(handle, buffer, 0, buffer.length, 0)).toString('utf8');
    return text.split('\n', 1)[0]!.trim();
  } finally {
    closeSync(handle);
  }
}

function isJsonLine(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

async function* readItems(file: string, onProgress?: (bytesRead: number) => void): AsyncGenerator<Item> {
  const head = firstLine(file);
  // A JSON array, or an evidence file as one JSON object (whose first line is not a whole value).
  if (head.startsWith('[') || (head.startsWith(`{"${HEADER_KEY}"`) && !isJsonLine(head))) {
    const whole = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (Array.isArray(whole)) {
      yield* whole as Item[];
    } else if (isEvidenceHeader(whole)) {
      const { events, [TRAILER_KEY]: trailer } = whole as Item & { events?: unknown; [TRAILER_KEY]?: EvidenceTrailer };
      yield { [HEADER_KEY]: whole[HEADER_KEY] };
      if (Array.isArray(events)) yield* events as Item[];
      if (trailer !== undefined) yield { [TRAILER_KEY]: trailer };
    } else {
      throw new Error(`${file} is neither an export (a JSON array or NDJSON) nor an evidence file`);
    }
    return;
  }
  let line = 0;
  const input = createReadStream(file, 'utf8');
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line += 1;
    if (line % 1000 === 0) onProgress?.(input.bytesRead);
    if (text.trim() === '') continue;
    try {
      yield JSON.parse(text) as Item;
    } catch {
      throw new Error(`line ${line} of ${file} is not JSON`);
    }
  }
}

function cosignerKeys(keys: readonly string[] | undefined): CosignerKey[] {
  return (keys ?? []).map((vkey) => {
    try {
      return parseCosignerKey(vkey);
    } catch (error) {
      throw new NoteError('malformed_key', `--witness-key ${vkey}: ${(error as Error).message}`);
    }
  });
}

export async function verifyExportFile(options: VerifyFileOptions): Promise<ExportVerification> {
  const items = readItems(options.eventsFile, options.onProgress);
  const first = await items.next();
  if (!first.done && isEvidenceHeader(first.value)) return verifyEvidence(first.value[HEADER_KEY], items, options);
  return verifyChain(first.done ? undefined : first.value as unknown as StoredEvent, items, options);
}

async function verifyEvidence(header: EvidenceHeader, items: AsyncGenerator<Item>, options: VerifyFileOptions): Promise<ExportVerification> {
  if (!options.publicKeyPem) throw new Error('an evidence file is checked with the instance public key: pass --public-key (GET /v1/integrity/public-key → .pem, kept apart from the file)');
  const verifier = new EvidenceVerifier({
    header, publicKey: rawPublicKey(createPublicKey(options.publicKeyPem)),
    witnesses: cosignerKeys(options.witnessKeys), minCosignatures: options.minWitnesses ?? 0,
  });
  let trailer: EvidenceTrailer | undefined;
  for await (const item of items) {
    if (trailer !== undefined) {
      verifier.push(item as unknown as StoredEvent); // anything after the trailer is extra: the statement count catches it
      trailer = undefined;
      continue;
    }
    if (isEvidenceTrailer(item)) trailer = item[TRAILER_KEY];
    else verifier.push(item as unknown as StoredEvent);
  }
  const summary = verifier.finish(trailer);
  return {
    ok: summary.ok, mode: 'evidence', checked: summary.checked, firstSeq: summary.firstSeq, lastSeq: summary.lastSeq,
    checkpoint: summary.checkpoint && { origin: summary.checkpoint.origin, size: summary.checkpoint.size, rootHex: Buffer.from(summary.checkpoint.rootHash).toString('hex') },
    witnesses: summary.cosignatures.map((c) => c.name),
    rootMatched: false,
    notes: [`evidence file of tenant ${header.tenant_id}: every event is proved against the checkpoint at tree size ${header.tree_size}`],
    warnings: [],
    failures: summary.failures,
    forgotten: summary.forgotten,
  };
}

/**
 * The newest checkpoint of the tenant among the notes given, opened with the public key. A note
 * signed by another key is skipped; if none opens, the first key error is thrown.
 */
function newestCheckpoint(text: string, publicKeyPem: string, tenantId: string | undefined): { opened: OpenedCheckpoint; note: string } {
  const publicKey = rawPublicKey(createPublicKey(publicKeyPem));
  const { notes } = splitNotes(text.endsWith('\n') ? text : `${text}\n`);
  if (notes.length === 0) throw new NoteError('malformed_note', 'the checkpoint file holds no signed note');
  let firstError: unknown;
  let newest: { opened: OpenedCheckpoint; note: string } | undefined;
  for (const note of notes) {
    try {
      const opened = openCheckpointByKey(note, publicKey);
      if (tenantId !== undefined && tenantOfOrigin(opened.origin) !== tenantId) continue;
      if (!newest || opened.size > newest.opened.size) newest = { opened, note };
    } catch (error) {
      firstError ??= error;
    }
  }
  if (newest) return newest;
  if (firstError) throw firstError;
  throw new NoteError('no_signature', `the checkpoint file has no checkpoint of tenant ${tenantId}`);
}

async function verifyChain(firstEvent: StoredEvent | undefined, items: AsyncGenerator<Item>, options: VerifyFileOptions): Promise<ExportVerification> {
  const notes: string[] = [];
  const warnings: string[] = [];
  let checkpoint: OpenedCheckpoint | undefined;
  let witnesses: string[] = [];
  const failures: ExportVerification['failures'] = [];
  if (options.checkpointText !== undefined) {
    if (!options.publicKeyPem) throw new Error('a checkpoint can only be trusted with the public key: pass --public-key');
    const newest = newestCheckpoint(options.checkpointText, options.publicKeyPem, firstEvent?.tenant_id);
    checkpoint = newest.opened;
    witnesses = validCosignatures(newest.note, cosignerKeys(options.witnessKeys)).map((c) => c.name);
    const required = options.minWitnesses ?? 0;
    if (witnesses.length < required) failures.push({ seq: 0, id: '', reason: 'too_few_cosignatures', message: `the checkpoint carries ${witnesses.length} valid witness cosignature(s); ${required} required` });
  } else if ((options.minWitnesses ?? 0) > 0) {
    throw new Error('--min-witnesses needs the checkpoint they cosigned: pass --checkpoint');
  }

  let verifier: LogVerifier | undefined;
  let lastSeq: number | undefined;
  const firstSeq = firstEvent?.seq;
  if (firstEvent) {
    if (firstEvent.seq === 1) {
      verifier = new LogVerifier({ firstSeq: 1, expectedRoots: checkpoint ? [{ size: checkpoint.size, rootHash: checkpoint.rootHash }] : [] });
      verifier.push(firstEvent);
    } else {
      // The chain before this file is unknown: trust the first event's stored chain hash as the
      // anchor (its leaf hash is still checked) and verify everything after it.
      notes.push(`the file starts at seq ${firstEvent.seq}, not 1: its first chain hash is taken as given and the Merkle root cannot be recomputed`);
      verifier = new LogVerifier({ firstSeq: firstEvent.seq + 1, prevChainHash: Buffer.from(firstEvent.chain_hash, 'hex') });
      if (Buffer.from(leafHashOf(firstEvent)).toString('hex') !== firstEvent.leaf_hash) {
        failures.push({ seq: firstEvent.seq, id: firstEvent.id, reason: 'content_changed', message: 'the event no longer hashes to its stored leaf hash' });
      }
    }
    lastSeq = firstEvent.seq;
  }
  for await (const item of items) {
    const event = item as unknown as StoredEvent;
    verifier!.push(event);
    lastSeq = event.seq;
  }
  const summary = verifier?.finish();
  failures.push(...(summary?.failures ?? []));
  if (!verifier) notes.push('the file holds no events');
  const rootChecked = checkpoint !== undefined && firstSeq === 1;
  if (checkpoint && firstSeq !== undefined && firstSeq !== 1) failures.push({ seq: firstSeq, id: '', reason: 'root_mismatch', message: 'the checkpoint cannot be checked: the file does not start at seq 1 (a filtered export proves itself only as an evidence file: export with proofs=true)' });
  if (!checkpoint) {
    warnings.push('only the chain was checked: nothing ties this file to a signed checkpoint, so a forgery with every hash recomputed would pass too. Pass --checkpoint and --public-key, or verify an evidence file (proofs=true).');
  }
  return {
    ok: failures.length === 0,
    mode: checkpoint ? 'checkpoint' : 'chain',
    checked: summary?.checked ?? 0,
    firstSeq,
    lastSeq,
    checkpoint: checkpoint && { origin: checkpoint.origin, size: checkpoint.size, rootHex: Buffer.from(checkpoint.rootHash).toString('hex') },
    witnesses,
    rootMatched: rootChecked && failures.length === 0,
    notes,
    warnings,
    failures: failures.sort((a, b) => a.seq - b.seq),
    forgotten: summary?.forgotten ?? [],
  };
}
