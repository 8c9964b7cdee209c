// The evidence file: an NDJSON or JSON export that proves itself offline. It is pinned to one
// signed checkpoint (carried in its header, with any witness cosignatures), each event carries its
// inclusion proof against that checkpoint, and a trailer carries a statement signed with the same
// instance key naming how many events the file holds and a digest of their leaf hashes, so an
// event removed from (or added to) a filtered file is caught too.
//
//   NDJSON:  {"stele_evidence": Header}\n  {...event, "inclusion_proof": [hex...]}\n ...  {"stele_evidence_end": Trailer}\n
//   JSON:    {"stele_evidence": Header, "events": [ event, ... ], "stele_evidence_end": Trailer}
//
// The statement is a signed note whose body is:
//
//   stele-evidence/v1\n<checkpoint origin>\n<tree size>\n<event count>\n<base64 SHA-256 of the leaf hashes in file order>\n

import { Buffer } from 'node:buffer';
import { NoteError } from '../checkpoint/errors.js';

export const EVIDENCE_VERSION = 1;
export const HEADER_KEY = 'stele_evidence';
export const TRAILER_KEY = 'stele_evidence_end';
export const PROOF_KEY = 'inclusion_proof';
const STATEMENT_TAG = 'stele-evidence/v1';

export interface EvidenceHeader {
  version: number;
  tenant_id: string;
  /** The checkpoint every event's proof leads to: C2SP signed note, cosignature lines included. */
  checkpoint: string;
  tree_size: number;
  root_hash: string;
  /** The instance's signed-note verifier key (informational: verifiers bring their own trusted key). */
  note_key: string;
  /** What was exported (filters, q, saved search): informational. */
  selection?: Record<string, unknown>;
}

export interface EvidenceTrailer {
  count: number;
  /** hex SHA-256 over the 32-byte leaf hashes of the file's events, in file order. */
  leaves_sha256: string;
  /** Signed note over the statement body above. */
  statement: string;
}

export interface EvidenceStatement {
  origin: string;
  treeSize: number;
  count: number;
  leavesDigest: Uint8Array;
}

export function formatEvidenceStatement(statement: EvidenceStatement): string {
  return [STATEMENT_TAG, statement.origin, String(statement.treeSize), String(statement.count), Buffer.from(statement.leavesDigest).toString('base64')]
    .map((line) => `${line}\n`).join('');
}

/** Parses a statement body (as verifyNote returns it). Throws NoteError 'malformed_note'. */
export function parseEvidenceStatement(body: string): EvidenceStatement {
  const lines = body.split('\n');
  const bad = () => new NoteError('malformed_note', 'the evidence statement is malformed');
  if (lines.length !== 6 || lines[5] !== '' || lines[0] !== STATEMENT_TAG) throw bad();
  const [, origin, size, count, digest] = lines as [string, string, string, string, string];
  if (!/^(0|[1-9]\d{0,15})$/.test(size) || !/^(0|[1-9]\d{0,15})$/.test(count)) throw bad();
  const leavesDigest = Buffer.from(digest, 'base64');
  if (leavesDigest.length !== 32 || leavesDigest.toString('base64') !== digest) throw bad();
  return { origin, treeSize: Number(size), count: Number(count), leavesDigest };
}

export const isEvidenceHeader = (value: unknown): value is { [HEADER_KEY]: EvidenceHeader } =>
  typeof value === 'object' && value !== null && HEADER_KEY in value;
export const isEvidenceTrailer = (value: unknown): value is { [TRAILER_KEY]: EvidenceTrailer } =>
  typeof value === 'object' && value !== null && TRAILER_KEY in value;
