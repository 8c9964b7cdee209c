// Forgetting without losing the proof. An event whose content was removed (purged by retention,
// deleted by id, erased with a person) keeps its seq, id, leaf hash and chain hash: a tombstone.
// The tree and the chain still verify over the kept hashes, but a kept hash alone would also let
// anyone blank any row. So a tombstone counts as legitimate only when a signed record in the log
// itself names its seq: a `retention.purged`, `audit.deleted` or `audit.erased` event, intact (its
// content hashes to its leaf), whose details list `seq_ranges`. The marker a store keeps beside a
// tombstone (`forgotten`) is only a hint of where to look; it is never trusted on its own.

import type { StoredEvent } from './event.js';

export type ForgettingKind = 'purged' | 'deleted' | 'erased';

/** The actions whose events explain forgotten seqs, and the kind each explains. */
export const FORGETTING_ACTIONS: Readonly<Record<string, ForgettingKind>> = {
  'retention.purged': 'purged',
  'audit.deleted': 'deleted',
  'audit.erased': 'erased',
};

/** A tombstone's marker: what removed its content, and the seq of the record that says so. */
export interface Forgotten {
  kind: ForgettingKind;
  by_seq: number;
}

/** Consecutive forgotten seqs of one kind, explained by the record at by_seq. */
export interface ForgottenRange {
  kind: ForgettingKind;
  from_seq: number;
  to_seq: number;
  by_seq: number;
}

/** Inclusive [from, to] runs of the seqs given (any order, repeats ignored). */
export function seqRanges(seqs: Iterable<number>): [number, number][] {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const seq of sorted) {
    const last = out.at(-1);
    if (last && seq === last[1] + 1) last[1] = seq;
    else out.push([seq, seq]);
  }
  return out;
}

/**
 * The seq ranges a forgetting record explains, or undefined when the event is not one (another
 * action, a tombstone itself, or details without valid `seq_ranges`). Only ranges below the
 * record's own seq count: a record explains what came before it.
 */
export function explainedBy(event: StoredEvent): { kind: ForgettingKind; ranges: [number, number][] } | undefined {
  const kind = Object.hasOwn(FORGETTING_ACTIONS, event.action) ? FORGETTING_ACTIONS[event.action] : undefined;
  if (!kind || (event as { forgotten?: unknown }).forgotten !== undefined) return undefined;
  const ranges = (event.details as { seq_ranges?: unknown } | undefined)?.seq_ranges;
  if (!Array.isArray(ranges)) return undefined;
  const valid: [number, number][] = [];
  for (const range of ranges) {
    if (!Array.isArray(range) || range.length !== 2) return undefined;
    const [from, to] = range as unknown[];
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || (from as number) < 1 || (to as number) < (from as number) || (to as number) >= event.seq) return undefined;
    valid.push([from as number, to as number]);
  }
  return { kind, ranges: valid };
}

/**
 * The members a tombstone keeps: its place in the log and its hashes, the marker, and action and
 * category as empty strings. Anything else is content a forgotten event no longer has.
 */
const TOMBSTONE_KEEPS = new Set(['tenant_id', 'seq', 'id', 'action', 'category', 'occurred_at', 'received_at', 'leaf_hash', 'chain_hash', 'forgotten']);

/**
 * Why a tombstone cannot be one as read: it still carries content (written into it after its
 * content was removed, and shown as the event: its kept leaf hash would vouch for it), or its
 * marker is malformed. Undefined when it is a plain tombstone. `alsoKept`: members its container
 * adds (an evidence file's inclusion proof).
 */
export function tombstoneFault(event: StoredEvent, alsoKept: readonly string[] = []): string | undefined {
  for (const [name, value] of Object.entries(event)) {
    if (value === undefined || TOMBSTONE_KEEPS.has(name) || alsoKept.includes(name)) continue;
    return `still carries ${name}, content a forgotten event no longer has`;
  }
  if (event.action !== '' || event.category !== '') return 'still carries an action or a category, content a forgotten event no longer has';
  const marker = (event as { forgotten?: Partial<Forgotten> }).forgotten;
  if (!marker || !Object.values(FORGETTING_ACTIONS).includes(marker.kind as ForgettingKind) || !Number.isSafeInteger(marker.by_seq) || marker.by_seq! <= event.seq) {
    return 'has a marker that names no forgetting record after it';
  }
  return undefined;
}

/** True for an event read back as a tombstone (its content gone, its hashes kept). */
export const isTombstone = (event: StoredEvent): boolean => (event as { forgotten?: unknown }).forgotten !== undefined;

/**
 * Keeps tombstones seen and the ranges explained by records seen (in any order), and says which
 * tombstones no record explains. Memory: one number per tombstone and two per explained range.
 */
export class ForgettingLedger {
  // Runs of tombstone seqs; a single tombstone keeps its id for the failure it may become, and
  // each run the marker its rows carry (what removed them, by which record), when known.
  private tombstones: { from: number; to: number; id: string; marker?: Forgotten | undefined }[] = [];
  private explained: { from: number; to: number; kind: ForgettingKind; by: number }[] = [];

  tombstone(seq: number, id: string, marker?: Forgotten): void {
    this.tombstones.push({ from: seq, to: seq, id, marker });
  }

  /** Tombstones at every seq from..to (the fast path, which reads no ids). */
  tombstoneRun(from: number, to: number, marker?: Forgotten): void {
    this.tombstones.push({ from, to, id: '', marker });
  }

  /** Takes the ranges of a record whose content was checked against its leaf hash; false when it is not a record. */
  explain(record: StoredEvent): boolean {
    const found = explainedBy(record);
    if (!found) return false;
    for (const [from, to] of found.ranges) this.explained.push({ from, to, kind: found.kind, by: record.seq });
    return true;
  }

  /**
   * Every tombstone seen, as runs of the kind that explains them; those no record explains; and
   * those whose marker names another record than every one that explains them (a marker changed
   * by hand: what the API shows of who removed the content, and why, would be another record's).
   */
  settle(): { forgotten: ForgottenRange[]; unexplained: { seq: number; id: string }[]; mismarked: { seq: number; id: string; marker: Forgotten }[] } {
    const tombs = this.tombstones.sort((a, b) => a.from - b.from);
    const ranges = this.explained.sort((a, b) => a.from - b.from || a.by - b.by);
    const forgotten: ForgottenRange[] = [];
    const unexplained: { seq: number; id: string }[] = [];
    const mismarked: { seq: number; id: string; marker: Forgotten }[] = [];
    let r = 0;
    for (const tomb of tombs) {
      for (let seq = tomb.from; seq <= tomb.to; seq++) {
        // Ranges ending before this seq can explain neither it nor any later one.
        while (r < ranges.length && ranges[r]!.to < seq) r++;
        let match: (typeof ranges)[number] | undefined;
        let marked = false;
        for (let k = r; k < ranges.length && ranges[k]!.from <= seq; k++) {
          const range = ranges[k]!;
          if (range.to < seq) continue;
          const same = tomb.marker !== undefined && range.kind === tomb.marker.kind && range.by === tomb.marker.by_seq;
          if (!match || same) match = range;
          if (same) { marked = true; break; }
        }
        if (!match) { unexplained.push({ seq, id: tomb.id }); continue; }
        if (tomb.marker && !marked) mismarked.push({ seq, id: tomb.id, marker: tomb.marker });
        const last = forgotten.at(-1);
        if (last && last.kind === match.kind && last.by_seq === match.by && last.to_seq === seq - 1) last.to_seq = seq;
        else forgotten.push({ kind: match.kind, from_seq: seq, to_seq: seq, by_seq: match.by });
      }
    }
    return { forgotten, unexplained, mismarked };
  }
}
