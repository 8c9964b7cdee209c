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

/** True for an event read back as a tombstone (its content gone, its hashes kept). */
export const isTombstone = (event: StoredEvent): boolean => (event as { forgotten?: unknown }).forgotten !== undefined;

/**
 * Keeps tombstones seen and the ranges explained by records seen (in any order), and says which
 * tombstones no record explains. Memory: one number per tombstone and two per explained range.
 */
export class ForgettingLedger {
  // Runs of tombstone seqs; a single tombstone keeps its id for the failure it may become.
  private tombstones: { from: number; to: number; id: string }[] = [];
  private explained: { from: number; to: number; kind: ForgettingKind; by: number }[] = [];

  tombstone(seq: number, id: string): void {
    this.tombstones.push({ from: seq, to: seq, id });
  }

  /** Tombstones at every seq from..to (the fast path, which reads no ids). */
  tombstoneRun(from: number, to: number): void {
    this.tombstones.push({ from, to, id: '' });
  }

  /** Takes the ranges of a record whose content was checked against its leaf hash; false when it is not a record. */
  explain(record: StoredEvent): boolean {
    const found = explainedBy(record);
    if (!found) return false;
    for (const [from, to] of found.ranges) this.explained.push({ from, to, kind: found.kind, by: record.seq });
    return true;
  }

  /** Every tombstone seen, as runs of the kind that explains them, and those no record explains. */
  settle(): { forgotten: ForgottenRange[]; unexplained: { seq: number; id: string }[] } {
    const tombs = this.tombstones.sort((a, b) => a.from - b.from);
    const ranges = this.explained.sort((a, b) => a.from - b.from || a.by - b.by);
    const forgotten: ForgottenRange[] = [];
    const unexplained: { seq: number; id: string }[] = [];
    let r = 0;
    for (const tomb of tombs) {
      for (let seq = tomb.from; seq <= tomb.to; seq++) {
        // Ranges ending before this seq can explain neither it nor any later one.
        while (r < ranges.length && ranges[r]!.to < seq) r++;
        let match: (typeof ranges)[number] | undefined;
        for (let k = r; k < ranges.length && ranges[k]!.from <= seq; k++) {
          if (ranges[k]!.to >= seq) { match = ranges[k]; break; }
        }
        if (!match) { unexplained.push({ seq, id: tomb.id }); continue; }
        const last = forgotten.at(-1);
        if (last && last.kind === match.kind && last.by_seq === match.by && last.to_seq === seq - 1) last.to_seq = seq;
        else forgotten.push({ kind: match.kind, from_seq: seq, to_seq: seq, by_seq: match.by });
      }
    }
    return { forgotten, unexplained };
  }
}
