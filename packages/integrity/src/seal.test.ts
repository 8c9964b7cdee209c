import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CanonicalEvent } from './event.js';
import type { LogHead } from './log-head.js';
import { canonicalBytes, leafHashOf } from './canonical.js';
import { chainHash, ZERO_CHAIN } from './chain.js';
import { appendLeaves, rootFromBorder } from './merkle/compact-range.js';
import { hashLeaf } from './merkle/hasher.js';
import { mth } from './merkle/testing/reference.js';
import { sealEvents, STORED_MIN_LEVEL } from './seal.js';

const event = (seq: number): CanonicalEvent => ({
  tenant_id: 't1', seq, id: `evt_${seq}`, action: 'doc.update', category: 'docs',
  occurred_at: '2026-05-01T12:00:00.000Z', received_at: '2026-05-01T12:00:01.000Z',
  actor: { id: `u${seq % 7}` }, details: { n: seq },
});
const emptyHead = (): LogHead => ({ size: 0, chainHash: ZERO_CHAIN, border: [] });

describe('sealEvents', () => {
  it('computes leaf and chain hashes and the new head for the first batch', () => {
    const events = [1, 2, 3].map(event);
    const batch = sealEvents(emptyHead(), events);
    let prev = ZERO_CHAIN;
    batch.events.forEach((s, i) => {
      assert.equal(s.event, events[i]);
      assert.deepEqual(s.leafHash, hashLeaf(canonicalBytes(events[i] as CanonicalEvent)));
      prev = chainHash(prev, s.leafHash);
      assert.deepEqual(s.chainHash, prev);
    });
    assert.equal(batch.head.size, 3);
    assert.deepEqual(batch.head.chainHash, prev);
    assert.deepEqual(rootFromBorder(batch.head.border), mth(events.map(canonicalBytes)));
    assert.deepEqual(batch.nodes, [], 'nodes below the lowest stored level are rebuilt from leaves, not stored');
  });

  it('hands the store exactly the complete subtrees at or above the lowest stored level', () => {
    const events = Array.from({ length: 40 }, (_, i) => event(i + 1));
    const batch = sealEvents(emptyHead(), events);
    assert.equal(STORED_MIN_LEVEL, 4);
    assert.deepEqual(batch.nodes.map((n) => `${n.level}/${n.index}`), ['4/0', '4/1', '5/0']);
    const all = appendLeaves(0, [], batch.events.map((e) => e.leafHash)).nodes.filter((n) => n.level >= STORED_MIN_LEVEL);
    assert.deepEqual(batch.nodes, all);
  });

  it('gives the same result whether a log is sealed in one batch or many', () => {
    const events = Array.from({ length: 77 }, (_, i) => event(i + 1));
    const once = sealEvents(emptyHead(), events);
    let head = emptyHead();
    const nodes: string[] = [];
    for (const [from, to] of [[0, 1], [1, 9], [9, 40], [40, 77]] as const) {
      const b = sealEvents(head, events.slice(from, to));
      nodes.push(...b.nodes.map((n) => `${n.level}/${n.index}/${Buffer.from(n.hash).toString('hex')}`));
      head = b.head;
    }
    assert.deepEqual(head, once.head);
    assert.deepEqual(nodes, once.nodes.map((n) => `${n.level}/${n.index}/${Buffer.from(n.hash).toString('hex')}`));
  });

  it('rejects events whose seq does not continue the head', () => {
    const head = sealEvents(emptyHead(), [event(1)]).head;
    assert.throws(() => sealEvents(head, [event(3)]), RangeError);
    assert.throws(() => sealEvents(head, [event(2), event(2)]), RangeError);
  });

  it('leaves its inputs untouched', () => {
    const head = sealEvents(emptyHead(), [event(1)]).head;
    const border = head.border.slice();
    sealEvents(head, [event(2)]);
    assert.deepEqual(head.border, border);
    assert.equal(head.size, 1);
  });

  it('adds little to ingest: 5000 events seal in well under the cost of their canonicalisation x3', () => {
    const events = Array.from({ length: 5000 }, (_, i) => event(i + 1));
    sealEvents(emptyHead(), events.slice(0, 200)); // warm up
    let t0 = performance.now();
    for (const e of events) leafHashOf(e);
    const leafOnly = performance.now() - t0;
    t0 = performance.now();
    sealEvents(emptyHead(), events);
    const sealing = performance.now() - t0;
    assert.ok(sealing < leafOnly * 3 + 20, `sealing ${sealing} ms vs leaf hashing ${leafOnly} ms`);
  });
});
