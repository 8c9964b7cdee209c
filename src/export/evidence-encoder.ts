// Writes an evidence file (packages/integrity/src/evidence/evidence-file.ts): the pinned checkpoint first,
// then every event with its inclusion proof against it (proved a page at a time, in one store read
// per page), then the signed statement of how many events the file holds and which. NDJSON or JSON;
// `stele verify --events FILE --public-key key.pem` checks it with nothing else.

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
}

const hex = (hashes: Uint8Array[]) => hashes.map((h) => Buffer.from(h).toString('hex'));

/** Yields the file's text; `tally` is complete when the generator ends. */
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
  for await (const page of pages) {
    await nextTurn();
    const proofs = await pin.prover.proofs(page.map((event) => event.seq));
    page.forEach((event, i) => {
      const line = JSON.stringify({ ...event, [PROOF_KEY]: hex(proofs[i]!) });
      chunk += ndjson ? `${line}\n` : `${tally.rows === 0 ? '\n' : ',\n'}${line}`;
      leaves.update(Buffer.from(event.leaf_hash, 'hex'));
      countRow(tally, event);
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
