// Re-derives a tenant's log from its rows and says exactly which event broke and how. Pure and
// streaming: feed events one at a time in the order they were read (seq order), then finish().
// Used by the verification API over a seq range and by the offline `stele verify` CLI over an
// exported file.

import { Buffer } from 'node:buffer';
import { bytesEqual } from './bytes.js';
import type { StoredEvent } from './event.js';
import { leafHashOf } from './canonical.js';
import { checkCanonicalRows, type CanonicalRows } from './canonical-rows.js';
import { chainHash, ZERO_CHAIN } from './chain.js';
import { appendLeafBlock, appendLeaves, rootFromBorder } from './merkle/compact-range.js';
import { HASH_SIZE } from './merkle/hasher.js';
import { ForgettingLedger, isTombstone, tombstoneFault, type Forgotten, type ForgottenRange } from './forgetting.js';

export type FailureReason =
  | 'content_changed' // the event's canonical form no longer hashes to its stored leaf hash
  | 'event_missing' // a seq is absent (gap, or the log ends before a checkpoint's tree size)
  | 'order_changed' // seq went backwards or repeated
  | 'chain_broken' // the stored chain hash does not follow from the previous one (leaf is fine)
  | 'root_mismatch' // the recomputed Merkle root differs from a signed checkpoint's
  | 'content_removed'; // a tombstone that no signed purge, deletion or erasure record in the log explains

/**
 * Seqs [from, to] of a page that are tombstones (the fast path), with the marker they carry when
 * the caller read it (what removed them, by which record).
 */
export type TombstoneRun = readonly [from: number, to: number, marker?: Forgotten];

export interface VerificationFailure {
  /** The seq the failure is about (for event_missing: the first missing seq). */
  seq: number;
  /** Id of the event concerned; for event_missing, of the event found after the gap ('' at the end of the log). */
  id: string;
  reason: FailureReason;
  message: string;
}

/** A tree head to compare with, typically from a verified signed checkpoint. */
export interface ExpectedRoot {
  size: number;
  rootHash: Uint8Array;
}

export interface LogVerifierOptions {
  /** The seq of the first event to be fed (default 1). */
  firstSeq?: number;
  /** Chain hash of event firstSeq - 1 (default: 32 zero bytes, right for firstSeq 1). */
  prevChainHash?: Uint8Array;
  /**
   * Merkle border of the tree of firstSeq - 1 leaves; needed to check roots when firstSeq > 1
   * (default: empty, right for firstSeq 1). Without it, roots are not checked.
   */
  border?: readonly Uint8Array[];
  /** Tree heads the log must reproduce; each is checked when the tree reaches its size. */
  expectedRoots?: readonly ExpectedRoot[];
  /**
   * True for rows whose content is legitimately gone but whose leaf hash is kept (tombstones):
   * their stored leaf hash is trusted instead of being recomputed.
   */
  keepsLeafHashOnly?: (event: StoredEvent) => boolean;
}

export interface VerificationSummary {
  /** Events fed, including rejected ones. */
  checked: number;
  /** Seq of the last event accepted into the chain (firstSeq - 1 if none). */
  lastSeq: number;
  /** Chain hash after the last accepted event. */
  chainHash: Uint8Array;
  /** Recomputed Merkle root at lastSeq, when it could be computed (border known, no gap). */
  root: Uint8Array | undefined;
  failures: VerificationFailure[];
  /** Tombstones met, as runs of seqs with the signed record that explains them (purged, deleted, erased). */
  forgotten: ForgottenRange[];
  ok: boolean;
}

// Leaf hashes gathered before they are appended to the tree border in one pass.
const LEAVES_PER_FLUSH = 4096;

export class LogVerifier {
  private nextSeq: number;
  private prevChain: Uint8Array;
  // After a chain break, the other candidate for the previous chain hash (see push).
  private altPrev: Uint8Array | undefined;
  private border: Uint8Array[] | undefined;
  private lastId = '';
  private checked = 0;
  private readonly pending: ExpectedRoot[];
  private readonly failures: VerificationFailure[] = [];
  private readonly keepsLeafHashOnly: (event: StoredEvent) => boolean;
  // Leaf hashes waiting to be appended to the border in one pass.
  private leafBuffer: Uint8Array[] = [];
  private treeSize: number;
  private readonly ledger = new ForgettingLedger();

  /** Requires firstSeq >= 1 and, when given, prevChainHash of 32 bytes and a border of popcount(firstSeq - 1) hashes. */
  constructor(options: LogVerifierOptions = {}) {
    const firstSeq = options.firstSeq ?? 1;
    if (!Number.isSafeInteger(firstSeq) || firstSeq < 1) throw new RangeError(`invalid firstSeq ${firstSeq}`);
    this.nextSeq = firstSeq;
    this.prevChain = options.prevChainHash ?? ZERO_CHAIN;
    this.border = options.border ? options.border.slice() : firstSeq === 1 ? [] : undefined;
    this.treeSize = firstSeq - 1;
    this.pending = [...(options.expectedRoots ?? [])].sort((a, b) => a.size - b.size);
    this.keepsLeafHashOnly = options.keepsLeafHashOnly ?? (() => false);
    // Checkpoints at or before the starting point cannot be checked from here.
    while (this.pending.length > 0 && (this.pending[0] as ExpectedRoot).size < firstSeq - 1) this.pending.shift();
    if (this.pending[0]?.size === firstSeq - 1) this.checkRoot();
  }

  /** Checks one event (the next in read order). Returns the failures it caused, also kept for finish(). */
  push(event: StoredEvent): VerificationFailure[] {
    this.checked++;
    const before = this.failures.length;
    if (!Number.isSafeInteger(event.seq) || event.seq < this.nextSeq) {
      this.fail(event.seq, event.id, 'order_changed', `seq ${event.seq} after seq ${this.nextSeq - 1}: out of order or repeated`);
      return this.failures.slice(before);
    }
    let chainKnown = true;
    if (event.seq > this.nextSeq) {
      const missing = event.seq - this.nextSeq;
      this.fail(this.nextSeq, event.id, 'event_missing',
        `${missing} event(s) missing: seq ${this.nextSeq}${missing > 1 ? `..${event.seq - 1}` : ''} before ${event.id}`);
      // The previous chain hash and the missing leaves are unknown: the chain restarts from this
      // row's stored value and the Merkle root can no longer be recomputed.
      chainKnown = false;
      this.flushLeaves();
      this.border = undefined;
      this.treeSize = event.seq - 1;
      this.dropUnreachable();
    }

    const storedLeaf = parseHash(event.leaf_hash);
    const storedChain = parseHash(event.chain_hash);
    // A tombstone's kept leaf hash stands for its content; whether removing that content was
    // legitimate is settled at finish(), against the forgetting records seen by then.
    const tombstone = isTombstone(event);
    if (tombstone) {
      // Its kept leaf hash vouches for nothing but an empty row: content written into it is a change.
      const fault = tombstoneFault(event);
      if (fault) this.fail(event.seq, event.id, 'content_changed', `the tombstone of event ${event.id} ${fault}`);
      this.ledger.tombstone(event.seq, event.id, event.forgotten);
    }
    const trusted = tombstone || this.keepsLeafHashOnly(event);
    const leaf = trusted && storedLeaf ? storedLeaf : leafHashOf(event);
    const leafOk = storedLeaf !== undefined && bytesEqual(leaf, storedLeaf);
    if (!leafOk) this.fail(event.seq, event.id, 'content_changed', `event ${event.id} no longer matches its leaf hash`);
    else if (!trusted) this.ledger.explain(event);

    // The chain is checked over the stored leaf hash, so a changed event is reported once and
    // does not also break the chain of everything after it.
    const chainLeaf = storedLeaf ?? leaf;
    if (chainKnown) {
      const expected = chainHash(this.prevChain, chainLeaf);
      const viaAlt = this.altPrev && chainHash(this.altPrev, chainLeaf);
      this.altPrev = undefined;
      if (storedChain !== undefined && bytesEqual(expected, storedChain)) {
        this.prevChain = expected;
      } else if (storedChain !== undefined && viaAlt !== undefined && bytesEqual(viaAlt, storedChain)) {
        this.prevChain = viaAlt;
      } else {
        if (leafOk) this.fail(event.seq, event.id, 'chain_broken', `chain hash of ${event.id} does not follow from seq ${event.seq - 1}`);
        // Either this row's chain hash was altered (then the next row follows from `expected`) or
        // an earlier row was rewritten with consistent hashes (then it follows from the stored
        // value). Keep both so that one break is reported once.
        this.prevChain = storedChain ?? expected;
        this.altPrev = expected;
      }
    } else {
      this.altPrev = undefined;
      this.prevChain = storedChain ?? chainHash(this.prevChain, chainLeaf);
    }

    // The tree uses the recomputed leaf: a checkpoint signed over the original content must not
    // match changed content.
    this.leafBuffer.push(leaf);
    this.treeSize = event.seq;
    if (this.leafBuffer.length >= LEAVES_PER_FLUSH) this.flushLeaves();
    this.nextSeq = event.seq + 1;
    this.lastId = event.id;
    if (this.pending[0]?.size === this.treeSize) this.checkRoot();
    return this.failures.slice(before);
  }

  /**
   * Checks a page of events given as canonical texts and stored hashes (the fast path). Accepts
   * it only when it continues the log without a flaw: the next seq with no gap, every text
   * matching its stored leaf hash, every chain hash following, every checkpoint inside the page
   * matching. Otherwise returns false and changes nothing: the caller then pushes the same events
   * one by one, which says exactly what is wrong. `tombstones`: runs of seqs in the page whose
   * content is gone; their stored leaf hashes are taken, and finish() requires a record for each.
   */
  pushCanonicalRows(page: CanonicalRows, tombstones: readonly TombstoneRun[] = []): boolean {
    if (!page.exact || this.altPrev || page.firstSeq !== this.nextSeq || page.lastSeq - page.firstSeq + 1 !== page.rows) return false;
    const leaves = checkCanonicalRows(page, this.prevChain, tombstones);
    if (!leaves) return false;
    this.flushLeaves();
    // Leaf hashes of the page from event number `from` (counted from the page's first) to `to`.
    const between = (from: number, to?: number) => leaves.subarray(HASH_SIZE * from, to === undefined ? undefined : HASH_SIZE * to);
    let border = this.border;
    let size = this.treeSize;
    let reached = 0;
    for (const cp of this.pending) {
      if (cp.size > page.lastSeq) break;
      if (!border) return false;
      border = appendLeafBlock(size, border, between(size - this.treeSize, cp.size - this.treeSize));
      size = cp.size;
      if (!bytesEqual(rootFromBorder(border), cp.rootHash)) return false;
      reached++;
    }
    this.pending.splice(0, reached);
    this.border = border && appendLeafBlock(size, border, between(size - this.treeSize));
    this.treeSize = page.lastSeq;
    this.prevChain = new Uint8Array(page.storedChainHashes.subarray(page.storedChainHashes.length - HASH_SIZE));
    this.checked += page.rows;
    this.nextSeq = page.lastSeq + 1;
    this.lastId = page.lastId;
    // Said to be tombstones: their kept leaves are in the tree and the chain, and finish() holds
    // each to a forgetting record (a row wrongly said to be one then fails as content_removed).
    for (const [from, to, marker] of tombstones) this.ledger.tombstoneRun(from, to, marker);
    return true;
  }

  /**
   * A forgetting record read apart from the walk (beyond the range verified, or inside a page the
   * fast path accepted whole), whose content the caller checked against its stored leaf hash.
   * Returns false when the event is not such a record.
   */
  explain(record: StoredEvent): boolean {
    return this.ledger.explain(record);
  }

  /**
   * Ends the walk: expected roots beyond the last event mean the log was cut short, and a
   * tombstone that no forgetting record explains means content was removed outside the one path
   * that may remove it.
   */
  finish(): VerificationSummary {
    for (const cp of this.pending) {
      this.fail(this.nextSeq, '', 'event_missing', `log ends at seq ${this.nextSeq - 1} but a checkpoint covers ${cp.size} events`);
    }
    this.pending.length = 0;
    const { forgotten, unexplained, mismarked } = this.ledger.settle();
    for (const { seq, id } of unexplained) {
      this.fail(seq, id, 'content_removed', `the content of ${id ? `event ${id} (seq ${seq})` : `seq ${seq}`} is gone and no signed purge, deletion or erasure record in the log names it`);
    }
    for (const { seq, id, marker } of mismarked) {
      this.fail(seq, id, 'content_changed', `the tombstone of ${id ? `event ${id} (seq ${seq})` : `seq ${seq}`} says it was ${marker.kind} by the record at seq ${marker.by_seq}, which does not name it`);
    }
    this.failures.sort((a, b) => a.seq - b.seq);
    return {
      checked: this.checked,
      lastSeq: this.nextSeq - 1,
      chainHash: this.prevChain,
      root: this.root(),
      failures: this.failures.slice(),
      forgotten,
      ok: this.failures.length === 0,
    };
  }

  /** Merkle root of the first lastSeq events, or undefined when it cannot be computed. */
  root(): Uint8Array | undefined {
    this.flushLeaves();
    return this.border ? rootFromBorder(this.border) : undefined;
  }

  private checkRoot(): void {
    const cp = this.pending.shift() as ExpectedRoot;
    const root = this.root();
    if (root === undefined || !bytesEqual(root, cp.rootHash)) {
      const why = root === undefined ? 'cannot be recomputed (missing events or unknown starting border)' : `is ${hex(root)}`;
      this.fail(cp.size, this.lastId, 'root_mismatch', `root at tree size ${cp.size} ${why}, checkpoint says ${hex(cp.rootHash)}`);
    }
  }

  private dropUnreachable(): void {
    while (this.pending.length > 0 && (this.pending[0] as ExpectedRoot).size <= this.treeSize) {
      const cp = this.pending.shift() as ExpectedRoot;
      this.fail(cp.size, this.lastId, 'root_mismatch', `root at tree size ${cp.size} cannot be recomputed: events are missing`);
    }
  }

  private flushLeaves(): void {
    if (this.leafBuffer.length === 0) return;
    if (this.border) {
      const size = this.treeSize - this.leafBuffer.length;
      this.border = appendLeaves(size, this.border, this.leafBuffer).border;
    }
    this.leafBuffer = [];
  }

  private fail(seq: number, id: string, reason: FailureReason, message: string): void {
    this.failures.push({ seq, id, reason, message });
  }
}

/** Verifies a whole sequence at once; see LogVerifier for the options. */
export function verifyLog(events: Iterable<StoredEvent>, options: LogVerifierOptions = {}): VerificationSummary {
  const verifier = new LogVerifier(options);
  for (const event of events) verifier.push(event);
  return verifier.finish();
}

// Buffer.from stops decoding hex at the first character that is not a hex digit, so a full
// 32-byte result from 64 characters means the text was a valid hash (cheaper than a RegExp).
function parseHash(text: string | undefined | null): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length !== 64) return undefined;
  const bytes = Buffer.from(text, 'hex');
  return bytes.length === 32 ? bytes : undefined;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
