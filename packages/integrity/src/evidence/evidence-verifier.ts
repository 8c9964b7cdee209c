// Checks an evidence file (evidence-file.ts) with nothing but the instance's public key and,
// optionally, witness keys: the checkpoint's signature (and N cosignatures), every event's leaf
// hash and inclusion proof against that checkpoint, its tenant, the order of the events, the
// chain between events that follow each other, and the signed statement of how many events the
// file holds and which. Pure and streaming: push events in file order, then finish().

import { Buffer } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import type { StoredEvent } from '../event.js';
import { leafHashOf } from '../canonical.js';
import { chainHash } from '../chain.js';
import { validCosignatures, type CosignerKey, type VerifiedCosignature } from '../checkpoint/cosignature.js';
import { NoteError } from '../checkpoint/errors.js';
import { openCheckpointByKey, type OpenedCheckpoint } from '../checkpoint/open-by-key.js';
import { verifyNote } from '../checkpoint/note.js';
import { keyId, publicKeyFromRaw } from '../checkpoint/keys.js';
import { rootFromInclusionProof } from '../merkle/verify.js';
import { ForgettingLedger, isTombstone, tombstoneFault, type ForgottenRange } from '../forgetting.js';
import { EVIDENCE_VERSION, parseEvidenceStatement, PROOF_KEY, type EvidenceHeader, type EvidenceTrailer } from './evidence-file.js';

export type EvidenceFailureReason =
  | 'content_changed' // the event no longer hashes to its leaf hash
  | 'not_in_log' // its inclusion proof does not lead to the checkpoint's root: it is not in this log
  | 'wrong_tenant' // it belongs to another tenant's log
  | 'order_changed' // seq went backwards or repeated
  | 'chain_broken' // consecutive events whose chain hashes do not follow
  | 'events_missing' // the file holds fewer (or other) events than its signed statement says
  | 'bad_signature' // the checkpoint or the statement is not signed by the key given
  | 'too_few_cosignatures' // fewer witnesses cosigned the checkpoint than required
  | 'incomplete_file' // the file ends before its signed trailer
  | 'content_removed'; // a tombstone that no signed purge, deletion or erasure record in the file explains

export interface EvidenceFailure {
  seq: number;
  id: string;
  reason: EvidenceFailureReason;
  message: string;
}

export interface EvidenceVerifierOptions {
  header: EvidenceHeader;
  /** The instance's raw 32-byte Ed25519 public key, obtained independently of the file. */
  publicKey: Uint8Array;
  witnesses?: readonly CosignerKey[];
  /** Cosignatures required from `witnesses` (default 0). */
  minCosignatures?: number;
}

export interface EvidenceSummary {
  ok: boolean;
  checked: number;
  firstSeq: number | undefined;
  lastSeq: number | undefined;
  checkpoint: OpenedCheckpoint | undefined;
  cosignatures: VerifiedCosignature[];
  failures: EvidenceFailure[];
  /** Tombstones in the file, as runs explained by a signed record the file also holds. */
  forgotten: ForgottenRange[];
}

const fromHex = (value: unknown): Uint8Array | undefined =>
  typeof value === 'string' && /^[0-9a-f]{64}$/.test(value) ? Buffer.from(value, 'hex') : undefined;

export class EvidenceVerifier {
  private readonly failures: EvidenceFailure[] = [];
  private readonly checkpoint: OpenedCheckpoint | undefined;
  private readonly cosignatures: VerifiedCosignature[] = [];
  private readonly leaves: Hash = createHash('sha256');
  private count = 0;
  private firstSeq: number | undefined;
  private last: { seq: number; chainHash: Uint8Array } | undefined;
  private readonly ledger = new ForgettingLedger();

  constructor(private readonly options: EvidenceVerifierOptions) {
    const { header } = options;
    if (header.version !== EVIDENCE_VERSION) {
      this.fail(0, '', 'bad_signature', `unknown evidence version ${String(header.version)}`);
      return;
    }
    try {
      this.checkpoint = openCheckpointByKey(header.checkpoint, options.publicKey);
    } catch (error) {
      if (!(error instanceof NoteError)) throw error;
      this.fail(0, '', 'bad_signature', `the file's checkpoint does not open with the public key given: ${error.message}`);
      return;
    }
    if (!this.checkpoint.origin.endsWith(`/${header.tenant_id}`)) {
      this.fail(0, '', 'wrong_tenant', `the checkpoint is of log ${this.checkpoint.origin}, not of tenant ${header.tenant_id}`);
    }
    this.cosignatures = validCosignatures(header.checkpoint, options.witnesses ?? []);
    const required = options.minCosignatures ?? 0;
    if (this.cosignatures.length < required) {
      this.fail(0, '', 'too_few_cosignatures', `the checkpoint carries ${this.cosignatures.length} valid witness cosignature(s); ${required} required`);
    }
  }

  private fail(seq: number, id: string, reason: EvidenceFailureReason, message: string): void {
    this.failures.push({ seq, id, reason, message });
  }

  /** One event of the file, with its `inclusion_proof` (hex hashes). */
  push(event: StoredEvent & { [PROOF_KEY]?: unknown }): void {
    const seq = event.seq;
    const id = typeof event.id === 'string' ? event.id : '';
    this.count += 1;
    this.firstSeq ??= seq;
    const stored = fromHex(event.leaf_hash);
    // The statement's digest is over the leaf hashes as the file gives them; content is checked apart.
    this.leaves.update(stored ?? Buffer.alloc(32));
    if (!Number.isSafeInteger(seq) || seq < 1) return this.fail(0, id, 'order_changed', 'the event has no valid seq');
    if (this.last && seq <= this.last.seq) this.fail(seq, id, 'order_changed', `seq ${seq} comes after seq ${this.last.seq}`);
    if (event.tenant_id !== this.options.header.tenant_id) {
      this.fail(seq, id, 'wrong_tenant', `the event belongs to tenant ${String(event.tenant_id)}, not ${this.options.header.tenant_id}`);
    }
    let leaf: Uint8Array;
    if (isTombstone(event) && stored) {
      // Content removed, leaf kept: the proof still ties the leaf to the log, and a signed record
      // in the file must explain the removal (checked at finish).
      leaf = stored;
      const fault = tombstoneFault(event, [PROOF_KEY]);
      if (fault) this.fail(seq, id, 'content_changed', `the tombstone of event ${id} ${fault}`);
      this.ledger.tombstone(seq, id, event.forgotten);
    } else {
      try {
        leaf = leafHashOf(event);
      } catch {
        return this.fail(seq, id, 'content_changed', 'the event cannot be put in canonical form');
      }
      if (!stored || !Buffer.from(leaf).equals(Buffer.from(stored))) this.fail(seq, id, 'content_changed', 'the event no longer hashes to its leaf hash');
      else this.ledger.explain(event);
    }
    this.checkInclusion(event, leaf, seq, id);
    const chain = fromHex(event.chain_hash);
    if (this.last && seq === this.last.seq + 1 && chain && !Buffer.from(chainHash(this.last.chainHash, leaf)).equals(Buffer.from(chain))) {
      this.fail(seq, id, 'chain_broken', `the chain hash does not follow from seq ${this.last.seq}`);
    }
    this.last = { seq, chainHash: chain ?? Buffer.alloc(32) };
  }

  private checkInclusion(event: { [PROOF_KEY]?: unknown }, leaf: Uint8Array, seq: number, id: string): void {
    const checkpoint = this.checkpoint;
    if (!checkpoint) return;
    const proof = event[PROOF_KEY];
    const hashes = Array.isArray(proof) ? proof.map(fromHex) : [];
    if (!Array.isArray(proof) || hashes.some((h) => h === undefined)) {
      return this.fail(seq, id, 'not_in_log', 'the event carries no well-formed inclusion proof');
    }
    if (seq > checkpoint.size) return this.fail(seq, id, 'not_in_log', `seq ${seq} is beyond the checkpoint's tree size ${checkpoint.size}`);
    try {
      const root = rootFromInclusionProof(leaf, seq - 1, checkpoint.size, hashes as Uint8Array[]);
      if (!Buffer.from(root).equals(Buffer.from(checkpoint.rootHash))) throw new Error('root differs');
    } catch {
      this.fail(seq, id, 'not_in_log', `the event is not in this log: its inclusion proof does not lead to the root of the checkpoint at tree size ${checkpoint.size}`);
    }
  }

  /** Checks the trailer (undefined when the file ended without one) and returns the summary. */
  finish(trailer: EvidenceTrailer | undefined): EvidenceSummary {
    const digest = this.leaves.digest();
    if (!trailer) {
      this.fail(this.last?.seq ?? 0, '', 'incomplete_file', 'the file ends before its signed trailer: it was cut short, or events were appended after it');
    } else if (this.checkpoint) {
      this.checkStatement(trailer, digest);
    }
    const { forgotten, unexplained, mismarked } = this.ledger.settle();
    for (const { seq, id } of unexplained) {
      this.fail(seq, id, 'content_removed', `the content of event ${id} (seq ${seq}) is gone and no signed purge, deletion or erasure record in the file names it`);
    }
    for (const { seq, id, marker } of mismarked) {
      this.fail(seq, id, 'content_changed', `the tombstone of event ${id} (seq ${seq}) says it was ${marker.kind} by the record at seq ${marker.by_seq}, which does not name it`);
    }
    return {
      ok: this.failures.length === 0,
      checked: this.count,
      firstSeq: this.firstSeq,
      lastSeq: this.last?.seq,
      checkpoint: this.checkpoint,
      cosignatures: this.cosignatures,
      failures: this.failures.sort((a, b) => a.seq - b.seq),
      forgotten,
    };
  }

  private checkStatement(trailer: EvidenceTrailer, digest: Uint8Array): void {
    const checkpoint = this.checkpoint!;
    const lastSeq = this.last?.seq ?? 0;
    try {
      const key = { name: checkpoint.keyName, keyId: keyId(checkpoint.keyName, this.options.publicKey), publicKey: publicKeyFromRaw(this.options.publicKey) };
      const statement = parseEvidenceStatement(verifyNote(String(trailer.statement), key));
      if (statement.origin !== checkpoint.origin || statement.treeSize !== checkpoint.size) {
        return this.fail(lastSeq, '', 'bad_signature', 'the signed statement is about another checkpoint');
      }
      if (statement.count !== this.count || !Buffer.from(statement.leavesDigest).equals(Buffer.from(digest))) {
        this.fail(lastSeq, '', 'events_missing',
          `the signed statement lists ${statement.count} event(s), the file holds ${this.count}${statement.count === this.count ? ' but not the same ones' : ''}: events were removed, added or replaced`);
      }
    } catch (error) {
      if (!(error instanceof NoteError)) throw error;
      this.fail(lastSeq, '', 'bad_signature', `the file's signed statement does not verify: ${error.message}`);
    }
  }
}
