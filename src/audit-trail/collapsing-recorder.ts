// Repeated identical events as one: the first occurrence is written at once, repeats within the
// window only add to a counter, and when the window closes (or on flush) the repeats are written
// as one event carrying their `count`. So a dashboard re-reading the log, or a script hammering a
// route it may not use, leaves two events per window instead of thousands.
//
// State is per process: with several processes each keeps its own windows and writes its own
// events, so a burst spread over N nodes leaves up to 2·N events whose counts still add up.

import canonicalize from 'canonicalize';
import type { JsonObject, JsonValue } from '../domain/event.js';

/** What makes two entries "the same" beyond their tenant, action and actor. */
export interface CollapseOptions {
  /** e.g. the route and required scope of a refusal, or the filters of a read. */
  same: JsonValue;
  /** Numeric details added up over the collapsed occurrences (e.g. the rows each read returned). */
  sum?: readonly string[];
}

/** An occurrence as the recorder sees it: the event's fields it needs, and when it happened. */
export interface Occurrence {
  action: string;
  actor: { type?: string; id?: string };
  details?: JsonObject;
}

export interface CollapsingRecorderDependencies<E extends Occurrence> {
  /**
   * Writes one event: the first occurrence of a window (`count` 1), or the window's repeats
   * (`count` of them, from `firstAt` to `at`).
   */
  write(tenantId: string, entry: E, summary: { count: number; at: number; firstAt?: number }): Promise<void>;
  now: () => number;
  windowMs: number;
  /** Beyond this many open windows, new entries are written one by one (memory stays bounded). */
  maxWindows: number;
  /** A flush outside any request (timer, another request's turn) has no caller to tell. */
  onError: (error: unknown) => void;
}

interface Window<E> {
  tenantId: string;
  endsAt: number;
  /** Occurrences after the first, which was written when the window opened. */
  repeats: number;
  firstRepeatAt: number;
  lastAt: number;
  last: E;
  sums: Record<string, number>;
}

export function createCollapsingRecorder<E extends Occurrence>(deps: CollapsingRecorderDependencies<E>) {
  const windows = new Map<string, Window<E>>();

  const keyOf = (tenantId: string, entry: E, same: JsonValue): string =>
    canonicalize([tenantId, entry.action, entry.actor.type ?? null, entry.actor.id ?? null, same]) ?? '';

  function withSums(entry: E, sums: Record<string, number>): E {
    return Object.keys(sums).length === 0 ? entry : { ...entry, details: { ...entry.details, ...sums } };
  }

  async function writeRepeats(window: Window<E>): Promise<void> {
    if (window.repeats === 0) return;
    await deps.write(window.tenantId, withSums(window.last, window.sums), { count: window.repeats, at: window.lastAt, firstAt: window.firstRepeatAt });
  }

  /** Closes the given windows now and writes their repeats; a failed write is reported, not thrown. */
  async function close(closing: [string, Window<E>][]): Promise<void> {
    for (const [key] of closing) windows.delete(key);
    for (const [, window] of closing) await writeRepeats(window).catch(deps.onError);
  }

  /**
   * Writes the repeats of every window that has ended by now. Windows are kept in the order they
   * opened, which is the order they end in, so the scan stops at the first one still open.
   */
  const flushDue = (): Promise<void> => {
    const at = deps.now();
    const due: [string, Window<E>][] = [];
    for (const entry of windows) {
      if (entry[1].endsAt > at) break;
      due.push(entry);
    }
    return due.length === 0 ? Promise.resolve() : close(due);
  };

  async function record(tenantId: string, entry: E, options: CollapseOptions): Promise<void> {
    await flushDue();
    const at = deps.now();
    const key = keyOf(tenantId, entry, options.same);
    const open = windows.get(key);
    if (open) {
      open.repeats += 1;
      if (open.repeats === 1) open.firstRepeatAt = at;
      open.lastAt = at;
      open.last = entry;
      for (const name of options.sum ?? []) open.sums[name] = (open.sums[name] ?? 0) + numberIn(entry.details, name);
      return;
    }
    // Opened before the first write is awaited, so concurrent repeats already count in it.
    const window: Window<E> = { tenantId, endsAt: at + deps.windowMs, repeats: 0, firstRepeatAt: at, lastAt: at, last: entry, sums: {} };
    if (windows.size < deps.maxWindows) windows.set(key, window);
    try {
      await deps.write(tenantId, entry, { count: 1, at });
    } catch (error) {
      // Nothing was written for this window: let the next occurrence open a new one.
      if (window.repeats === 0 && windows.get(key) === window) windows.delete(key);
      throw error;
    }
  }

  return {
    record,
    flushDue,
    /** Writes every window's repeats now (shutdown). */
    flushAll: (): Promise<void> => close([...windows]),
    get openWindows(): number {
      return windows.size;
    },
  };
}

function numberIn(details: JsonObject | undefined, name: string): number {
  const value = details?.[name];
  return typeof value === 'number' ? value : 0;
}
