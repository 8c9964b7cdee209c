// Writes an evidence file (packages/integrity/src/evidence/evidence-file.ts): the pinned checkpoint first,
// then every event with its inclusion proof against it (proved a page at a time, in one store read
// per page), then the signed statement of how many events the file holds and which. NDJSON or JSON;
// `stele verify --events FILE --public-key key.pem` checks it with nothing else. A tombstone (an
// event purged, deleted or erased) is only evidence with the record that explains it, so the file
// carries that record too, in seq order, even when the selection would not have picked it. That
// record can only be proved against a checkpoint that covers it: when it lies beyond the pinned one
// (the event was deleted, erased or purged after the export pinned its size), the encoder stops
// with ForgottenMeanwhileError, and the caller pins again to a newer checkpoint and starts over
// (export-checkpoints.ts, withEvidencePin).

import { createHash } from 'node:crypto';
import type { StoredEvent } from '../domain/event.js';
import { EVIDENCE_VERSION, HEADER_KEY, PROOF_KEY, TRAILER_KEY, type EvidenceHeader, type EvidenceStatement, type EvidenceTrailer } from '@stele/integrity';
import type { CheckpointView } from '../checkpoints/checkpoint-service.js';
import type { InclusionProver } from '../proofs/stored-nodes.js';
import { CHUNK_CHARS, countRow, nextTurn, type ExportTally } from './encode-events.js';

export const EVIDENCE_FORMATS = ['ndjson', 'json'] as const;
export type EvidenceFormat = (typeof EVIDENCE_FORMATS)[number];
export const isEvidenceFormat = (name: string): name is EvidenceFormat => (EVIDENCE_FORMATS as readonly string[]).includes(name);

/** What an evidence file is pinned to, and how its parts are proved and signed. */
export interface EvidencePin {
  tenantId: string;
  origin: string;
  /** The checkpoint the file is pinned to; every exported seq is at most its tree size. */
  checkpoint: CheckpointView;
  noteKey: string;
  prover: InclusionProver;
  signStatement(statement: EvidenceStatement): string;
  /** The events at these seqs (the records tombstones name), in seq order. */
  events(seqs: readonly number[]): Promise<StoredEvent[]>;
}

/**
 * An event of the export was deleted, erased or purged after the export was pinned: here, a
 * tombstone of the file is explained by a record the pinned checkpoint does not cover, so the file
 * cannot prove it. The export starts over, pinned to a checkpoint that covers seq `needs`;
 * nothing written before is worth keeping.
 */
export class ForgottenMeanwhileError extends Error {
  constructor(readonly needs: number, message = `the record at seq ${needs} that explains a tombstone of the export lies beyond the checkpoint it is pinned to`) {
    super(message);
    this.name = 'ForgottenMeanwhileError';
  }
}

const hex = (hashes: Uint8Array[]) => hashes.map((h) => Buffer.from(h).toString('hex'));

/**
 * Yields the file's text; `tally` is complete when the generator ends. Throws ForgottenMeanwhileError
 * as soon as it reads a tombstone whose explaining record is beyond `pin.checkpoint`.
 */
export async function* encodeEvidence(
  format: EvidenceFormat, pages: AsyncIterable<readonly StoredEvent[]>, pin: EvidencePin, selection: Record<string, unknown>, tally: ExportTally,
): AsyncGenerator<string> {
  const header: EvidenceHeader = {
    version: EVIDENCE_VERSION, tenant_id: pin.tenantId, checkpoint: pin.checkpoint.checkpoint,
    tree_size: pin.checkpoint.tree_size, root_hash: pin.checkpoint.root_hash, note_key: pin.noteKey, selection,
  };
  const leaves = createHash('sha256');
  const ndjson = format === 'ndjson';
  let chunk = ndjson ? `${JSON.stringify({ [HEADER_KEY]: header })}\n` : `{${JSON.stringify(HEADER_KEY)}:${JSON.stringify(header)},"events":[`;
  // Records named by tombstones written so far, not yet written themselves; records written (or
  // due), whether the selection picked them or not; and those it did not pick, fetched for it.
  const needed = new Set<number>();
  const accounted = new Set<number>();
  const carried = new Set<number>();
  const carry = async (seqs: number[]): Promise<StoredEvent[]> => {
    for (const seq of seqs) {
      needed.delete(seq);
      accounted.add(seq);
      carried.add(seq);
    }
    return pin.events(seqs);
  };
  const withRecords = async (page: readonly StoredEvent[], last: number): Promise<readonly StoredEvent[]> => {
    const inPage = new Set(page.map((e) => e.seq));
    for (const event of page) {
      const by = event.forgotten?.by_seq;
      if (by === undefined) continue;
      if (by > pin.checkpoint.tree_size) throw new ForgottenMeanwhileError(by);
      if (!accounted.has(by) && !inPage.has(by)) needed.add(by);
    }
    for (const seq of inPage) if (needed.delete(seq)) accounted.add(seq);
    const due = [...needed].filter((seq) => seq <= last).sort((a, b) => a - b);
    if (due.length === 0) return page;
    return [...page, ...(await carry(due))].sort((a, b) => a.seq - b.seq);
  };
  const tail = async function* () {
    if (needed.size > 0) yield await carry([...needed].sort((a, b) => a - b));
  };
  const withTail = async function* () {
    for await (const page of pages) {
      const last = page.at(-1)?.seq ?? 0;
      yield await withRecords(page, last);
    }
    yield* tail();
  };
  for await (const page of withTail()) {
    await nextTurn();
    const proofs = await pin.prover.proofs(page.map((event) => event.seq));
    page.forEach((event, i) => {
      const line = JSON.stringify({ ...event, [PROOF_KEY]: hex(proofs[i]!) });
      chunk += ndjson ? `${line}\n` : `${tally.rows === 0 ? '\n' : ',\n'}${line}`;
      leaves.update(Buffer.from(event.leaf_hash, 'hex'));
      countRow(tally, event);
      if (carried.has(event.seq)) tally.carried = (tally.carried ?? 0) + 1;
      else if (event.forgotten) tally.forgotten = (tally.forgotten ?? 0) + 1;
    });
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  const digest = leaves.digest();
  const trailer: EvidenceTrailer = {
    count: tally.rows,
    leaves_sha256: digest.toString('hex'),
    statement: pin.signStatement({ origin: pin.origin, treeSize: pin.checkpoint.tree_size, count: tally.rows, leavesDigest: digest }),
  };
  chunk += ndjson ? `${JSON.stringify({ [TRAILER_KEY]: trailer })}\n` : `\n],${JSON.stringify(TRAILER_KEY)}:${JSON.stringify(trailer)}}\n`;
  yield chunk;
}
