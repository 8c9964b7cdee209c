// A tenant's streams read the same recent events, each from its own cursor and at its own moment
// (one is still sending while another is already waiting for more). A window of recent matching
// events, one per tenant and filter, serves them all: a stream whose cursor falls inside the
// window takes its events from memory, and only what lies past the window's end is read from the
// database, once, by whichever stream asks first (the others wait for that read). So five streams
// with one filter read each event once, and share its object, which is then encoded once per
// format (destinations/payloads.ts).
//
// Safe because a stream reads a closed seq range (cursor < seq <= head) of an append-only log,
// whose answer does not change — except for an event deleted by id or erased, whose content
// becomes a tombstone: each piece of a window is dropped KEEP_MS after it was read, so such a
// change reaches a stream that long late at most. A stream behind or ahead of its filter's window
// reads the database on its own.

import type { StoredEvent } from '../domain/event.js';
import { and, compare, type Sql } from '../sql/fragments.js';
import type { EventQuery, Store } from '../store/port.js';

const KEEP_MS = 1000;
/** Events held in all windows together; the oldest pieces go first. */
const MAX_EVENTS = 50_000;
const MAX_WINDOWS = 64;

/** Every matching event with after < seq <= through, as read at `at`. */
interface Piece {
  at: number;
  through: number;
  events: StoredEvent[];
}

/** Pieces one after the other: every matching event with start < seq <= end. */
interface Window {
  start: number;
  end: number;
  pieces: Piece[];
  /** The read that extends the window past `end`, while it is under way. */
  extending?: Promise<void>;
  usedAt: number;
}

const rangeQuery = (condition: Sql, afterSeq: number, throughSeq: number, limit: number): EventQuery => ({
  where: and([condition, compare('seq', '>', afterSeq), compare('seq', '<=', throughSeq)]),
  order: { key: 'seq', direction: 'asc' },
  limit,
});

/** The window's events with afterSeq < seq <= throughSeq, at most `limit`, in seq order. */
function eventsIn(window: Window, afterSeq: number, throughSeq: number, limit: number): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (const piece of window.pieces) {
    if (piece.through <= afterSeq) continue;
    for (let i = firstAfter(piece.events, afterSeq); i < piece.events.length; i++) {
      const event = piece.events[i]!;
      if (event.seq > throughSeq || out.length === limit) return out;
      out.push(event);
    }
  }
  return out;
}

/** The index of the first event with seq > afterSeq (binary search; events are in seq order). */
function firstAfter(events: StoredEvent[], afterSeq: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (events[middle]!.seq <= afterSeq) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function createSharedReads(store: Pick<Store, 'findEvents'>, now: () => number = Date.now) {
  const windows = new Map<string, Window>();
  const keyOf = (tenantId: string, condition: Sql) =>
    JSON.stringify([tenantId, condition.text, condition.params.map((p) => (p instanceof Uint8Array ? Buffer.from(p).toString('hex') : p))]);

  /** Drops pieces read more than KEEP_MS ago, windows unused as long, then the oldest pieces and windows past the bounds. */
  function prune(at: number): void {
    for (const [key, window] of windows) {
      while (window.pieces.length > 0 && at - window.pieces[0]!.at > KEEP_MS) dropOldestPiece(window);
      if (idle(window) && at - window.usedAt > KEEP_MS) windows.delete(key);
    }
    let held = 0;
    for (const window of windows.values()) for (const piece of window.pieces) held += piece.events.length;
    while (held > MAX_EVENTS) {
      let oldest: Window | undefined;
      for (const window of windows.values()) if (window.pieces.length > 0 && (!oldest || window.pieces[0]!.at < oldest.pieces[0]!.at)) oldest = window;
      held -= dropOldestPiece(oldest!);
    }
    for (const [key, window] of windows) if (windows.size > MAX_WINDOWS && idle(window)) windows.delete(key);
  }

  const idle = (window: Window) => window.pieces.length === 0 && !window.extending;

  /** The window then starts where its oldest piece ended; returns how many events went. */
  function dropOldestPiece(window: Window): number {
    const piece = window.pieces.shift()!;
    window.start = piece.through;
    return piece.events.length;
  }

  /** Reads past the window's end (up to throughSeq, at most `limit` events) and adds the piece. */
  async function extend(tenantId: string, condition: Sql, window: Window, throughSeq: number, limit: number): Promise<void> {
    const from = window.end;
    const events = await store.findEvents(tenantId, rangeQuery(condition, from, throughSeq, limit));
    // A full read saw the log only up to its last event.
    const through = events.length === limit ? events[events.length - 1]!.seq : throughSeq;
    window.pieces.push({ at: now(), through, events });
    window.end = through;
  }

  return {
    /**
     * The events matching `condition` with afterSeq < seq <= throughSeq, at most `limit`, in seq
     * order: when fewer than `limit`, every such event.
     */
    async read(tenantId: string, condition: Sql, afterSeq: number, throughSeq: number, limit: number): Promise<StoredEvent[]> {
      const key = keyOf(tenantId, condition);
      for (;;) {
        prune(now());
        let window = windows.get(key);
        if (!window) windows.set(key, (window = { start: afterSeq, end: afterSeq, pieces: [], usedAt: now() }));
        window.usedAt = now();
        if (afterSeq < window.start || afterSeq > window.end) {
          // Behind the window (lagging, or replaying) or ahead of it: alone, from the database.
          if (!idle(window)) return store.findEvents(tenantId, rangeQuery(condition, afterSeq, throughSeq, limit));
          Object.assign(window, { start: afterSeq, end: afterSeq }); // an empty window starts here instead
        }
        const known = eventsIn(window, afterSeq, throughSeq, limit);
        if (known.length === limit || window.end >= throughSeq) return known;
        if (window.extending) {
          await window.extending.catch(() => undefined); // another stream's read; its failure is its own
          continue;
        }
        const extending = extend(tenantId, condition, window, throughSeq, limit);
        window.extending = extending;
        try {
          await extending;
        } finally {
          if (window.extending === extending) window.extending = undefined;
        }
      }
    },
  };
}

export type SharedReads = ReturnType<typeof createSharedReads>;
