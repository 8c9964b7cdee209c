import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CanonicalEvent, StoredEvent } from './event.js';
import type { LogHead } from './log-head.js';
import { ZERO_CHAIN } from './chain.js';
import { rootFromBorder } from './merkle/compact-range.js';
import { sealEvents } from './seal.js';
import { leafInputsOf } from './canonical.js';
import type { CanonicalRows, WithComputedLeafHashes, WithLeafInputs } from './canonical-rows.js';
import { pageHashes } from './page-hashes.js';
import { LogVerifier, verifyLog } from './verify-log.js';
import type { LogVerifierOptions, VerificationFailure } from './verify-log.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function makeLog(n: number): { events: StoredEvent[]; heads: LogHead[] } {
  const heads: LogHead[] = [{ size: 0, chainHash: ZERO_CHAIN, border: [] }];
  const events: StoredEvent[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const e: CanonicalEvent = {
      tenant_id: 't1', seq, id: `evt_${seq}`, action: 'doc.update', category: 'docs',
      occurred_at: '2026-05-01T12:00:00.000Z', received_at: '2026-05-01T12:00:01.000Z', details: { n: seq },
    };
    const batch = sealEvents(heads[seq - 1] as LogHead, [e]);
    const sealed = batch.events[0];
    assert.ok(sealed);
    events.push({ ...e, leaf_hash: hex(sealed.leafHash), chain_hash: hex(sealed.chainHash) });
    heads.push(batch.head);
  }
  return { events, heads };
}

const brief = (fs: VerificationFailure[]): string[] => fs.map((f) => `${f.reason}@${f.seq}`);
const { events, heads } = makeLog(40);
const rootAt = (size: number): Uint8Array => rootFromBorder((heads[size] as LogHead).border);

describe('verifyLog', () => {
  it('accepts an untouched log and reproduces its root and chain head', () => {
    const res = verifyLog(events, { expectedRoots: [{ size: 40, rootHash: rootAt(40) }, { size: 13, rootHash: rootAt(13) }] });
    assert.deepEqual(res.failures, []);
    assert.equal(res.ok, true);
    assert.equal(res.lastSeq, 40);
    assert.deepEqual(res.root, rootAt(40));
    assert.deepEqual(res.chainHash, (heads[40] as LogHead).chainHash);
  });

  it('reports content_changed for an edited event, and only that', () => {
    const tampered = events.map((e) => (e.seq === 7 ? { ...e, action: 'doc.delete' } : e));
    assert.deepEqual(brief(verifyLog(tampered).failures), ['content_changed@7']);
    const f = verifyLog(tampered).failures[0];
    assert.equal(f?.id, 'evt_7');
  });

  it('reports root_mismatch when a checkpoint was signed over the original content', () => {
    const tampered = events.map((e) => (e.seq === 7 ? { ...e, details: { n: 700 } } : e));
    const res = verifyLog(tampered, { expectedRoots: [{ size: 40, rootHash: rootAt(40) }] });
    assert.deepEqual(brief(res.failures), ['content_changed@7', 'root_mismatch@40']);
  });

  it('catches a row rewritten with recomputed leaf and chain hashes through the next chain link and the root', () => {
    const { events: forged } = makeLog(40);
    // Recompute the hashes of a changed seq 7 as a DBA would.
    const { leaf_hash: _l, chain_hash: _c, ...original } = events[6] as StoredEvent;
    const changed: CanonicalEvent = { ...original, details: { n: 7000 } };
    const resealed = sealEvents(heads[6] as LogHead, [changed]).events[0];
    assert.ok(resealed);
    forged[6] = { ...changed, leaf_hash: hex(resealed.leafHash), chain_hash: hex(resealed.chainHash) };
    const res = verifyLog(forged, { expectedRoots: [{ size: 40, rootHash: rootAt(40) }] });
    assert.deepEqual(brief(res.failures), ['chain_broken@8', 'root_mismatch@40']);
  });

  it('reports event_missing for a gap, with the first missing seq, without a cascade', () => {
    const gap = events.filter((e) => e.seq !== 10 && e.seq !== 11);
    const res = verifyLog(gap);
    assert.deepEqual(brief(res.failures), ['event_missing@10']);
    assert.equal(res.failures[0]?.id, 'evt_12');
    assert.equal(res.root, undefined);
  });

  it('reports event_missing when the log stops before a checkpoint (truncation)', () => {
    const res = verifyLog(events.slice(0, 30), { expectedRoots: [{ size: 40, rootHash: rootAt(40) }] });
    assert.deepEqual(brief(res.failures), ['event_missing@31']);
  });

  it('reports order_changed for a repeated or backwards seq', () => {
    const dup = [...events.slice(0, 5), events[4] as StoredEvent, ...events.slice(5)];
    assert.deepEqual(brief(verifyLog(dup).failures), ['order_changed@5']);
    const swapped = [...events];
    [swapped[3], swapped[4]] = [swapped[4] as StoredEvent, swapped[3] as StoredEvent];
    const reasons = brief(verifyLog(swapped).failures);
    assert.ok(reasons.includes('order_changed@4'), reasons.join());
  });

  it('reports chain_broken once for an altered chain hash when the leaf is fine', () => {
    const broken = events.map((e) => (e.seq === 9 ? { ...e, chain_hash: 'ab'.repeat(32) } : e));
    const res = verifyLog(broken);
    assert.deepEqual(brief(res.failures), ['chain_broken@9']);
    assert.equal(res.failures[0]?.id, 'evt_9');
  });

  it('treats an unreadable leaf hash as changed content', () => {
    const bad = events.map((e) => (e.seq === 3 ? { ...e, leaf_hash: 'zz' } : e));
    assert.deepEqual(brief(verifyLog(bad).failures), ['content_changed@3']);
  });

  it('reports root_mismatch against a wrong checkpoint root', () => {
    const res = verifyLog(events, { expectedRoots: [{ size: 20, rootHash: rootAt(21) }] });
    assert.deepEqual(brief(res.failures), ['root_mismatch@20']);
    assert.equal(res.failures[0]?.id, 'evt_20');
  });

  it('verifies a range starting mid-log from the previous chain hash and border', () => {
    const head = heads[24] as LogHead;
    const res = verifyLog(events.slice(24), {
      firstSeq: 25, prevChainHash: head.chainHash, border: head.border,
      expectedRoots: [{ size: 40, rootHash: rootAt(40) }, { size: 3, rootHash: rootAt(2) }],
    });
    assert.deepEqual(res.failures, []);
    assert.deepEqual(res.root, rootAt(40));
    const wrongStart = verifyLog(events.slice(24), { firstSeq: 25, prevChainHash: (heads[23] as LogHead).chainHash });
    assert.deepEqual(brief(wrongStart.failures), ['chain_broken@25']);
    assert.equal(wrongStart.root, undefined);
  });

  it('trusts the kept leaf hash of a tombstone whose content is gone', () => {
    const tomb = events.map((e) => (e.seq === 6 ? { ...e, action: '', details: {} } : e));
    const res = verifyLog(tomb, { keepsLeafHashOnly: (e) => e.seq === 6, expectedRoots: [{ size: 40, rootHash: rootAt(40) }] });
    assert.deepEqual(res.failures, []);
  });

  it('can be fed one event at a time and reports failures as they happen', () => {
    const v = new LogVerifier();
    assert.deepEqual(v.push(events[0] as StoredEvent), []);
    assert.deepEqual(brief(v.push(events[2] as StoredEvent)), ['event_missing@2']);
    assert.equal(v.finish().ok, false);
  });
});

/** The page a store's readCanonicalRows would give for these events, as texts. */
function canonicalPage(page: StoredEvent[]): CanonicalRows & WithLeafInputs {
  const last = page[page.length - 1] as StoredEvent;
  return {
    rows: page.length,
    firstSeq: (page[0] as StoredEvent).seq,
    lastSeq: last.seq,
    lastId: last.id,
    leafInputs: leafInputsOf(page),
    storedLeafHashes: Buffer.from(page.map((e) => e.leaf_hash).join(''), 'hex'),
    storedChainHashes: Buffer.from(page.map((e) => e.chain_hash).join(''), 'hex'),
    exact: true,
  };
}

/** The same page as a reader that hashes the texts it writes gives it. */
function hashedPage(page: StoredEvent[]): CanonicalRows & WithComputedLeafHashes {
  const { leafInputs, ...rest } = canonicalPage(page);
  return { ...rest, computedLeafHashes: pageHashes.leafHashes(leafInputs) };
}

describe('LogVerifier.pushCanonicalRows (the fast path)', () => {
  const summaryOf = (v: LogVerifier) => {
    const s = v.finish();
    return { ...s, root: s.root && hex(s.root), chainHash: hex(s.chainHash) };
  };

  it('accepts untouched pages, checks the checkpoints inside them, and ends where the event path ends', () => {
    const expectedRoots = [{ size: 5, rootHash: rootAt(5) }, { size: 13, rootHash: rootAt(13) }, { size: 40, rootHash: rootAt(40) }];
    const slow = new LogVerifier({ expectedRoots });
    for (const e of events) slow.push(e);
    for (const pageOf of [canonicalPage, hashedPage]) {
      const fast = new LogVerifier({ expectedRoots });
      for (const [from, to] of [[0, 13], [13, 20], [20, 40]] as const) assert.equal(fast.pushCanonicalRows(pageOf(events.slice(from, to))), true, pageOf.name);
      assert.deepEqual(summaryOf(fast), summaryOf(slow));
      assert.equal(summaryOf(fast).checked, 40);
    }
  });

  it('takes tombstones at their kept leaf and holds each to a forgetting record, as the event path does', () => {
    // Seqs 3..5 purged, named by a record appended as seq 41 (outside this log's tree).
    const tomb = (e: StoredEvent): StoredEvent => ({ id: e.id, seq: e.seq, tenant_id: e.tenant_id, action: '', category: '', occurred_at: e.occurred_at, received_at: e.received_at, leaf_hash: e.leaf_hash, chain_hash: e.chain_hash, forgotten: { kind: 'purged', by_seq: 41 } });
    const forgotten = events.map((e) => (e.seq >= 3 && e.seq <= 5 ? tomb(e) : e));
    const record = { ...events[0]!, seq: 41, id: 'rec', action: 'retention.purged', details: { seq_ranges: [[3, 5]] } } as StoredEvent;
    const expectedRoots = [{ size: 40, rootHash: rootAt(40) }];
    const slow = new LogVerifier({ expectedRoots });
    for (const e of forgotten) slow.push(e);
    slow.explain(record);
    const fast = new LogVerifier({ expectedRoots });
    assert.equal(fast.pushCanonicalRows(canonicalPage(forgotten.slice(0, 20)), [[3, 5]]), true);
    assert.equal(fast.pushCanonicalRows(canonicalPage(forgotten.slice(20, 40))), true);
    fast.explain(record);
    assert.deepEqual(summaryOf(fast).forgotten, [{ kind: 'purged', from_seq: 3, to_seq: 5, by_seq: 41 }]);
    assert.deepEqual(summaryOf(fast), summaryOf(slow));
    // Without the runs the page is refused; a run wider than the record's ranges fails at the end.
    assert.equal(new LogVerifier().pushCanonicalRows(canonicalPage(forgotten.slice(0, 20))), false);
    const wide = new LogVerifier();
    assert.equal(wide.pushCanonicalRows(canonicalPage(forgotten.slice(0, 20)), [[3, 6]]), true);
    wide.explain(record);
    assert.deepEqual(brief(wide.finish().failures), ['content_removed@6']);
  });

  it('refuses, changing nothing, a page with a changed event, a gap, a wrong start or a failing checkpoint', () => {
    const changed = events.slice(0, 10).map((e) => (e.seq === 4 ? { ...e, action: 'doc.delete' } : e));
    const chainEdited = events.slice(0, 10).map((e) => (e.seq === 6 ? { ...e, chain_hash: events[6]!.chain_hash } : e));
    const refused: [string, CanonicalRows, LogVerifierOptions?][] = [
      ['changed content', canonicalPage(changed)],
      ['changed content, hashed', hashedPage(changed)],
      ['edited chain hash', canonicalPage(chainEdited)],
      ['a gap', { ...canonicalPage([...events.slice(0, 4), ...events.slice(5, 10)]), rows: 9 }],
      ['not the next seq', canonicalPage(events.slice(1, 10))],
      ['inexact', { ...canonicalPage(events.slice(0, 10)), exact: false }],
      ['a checkpoint that does not match', canonicalPage(events.slice(0, 10)), { expectedRoots: [{ size: 6, rootHash: rootAt(5) }] }],
      ['a cut-off text', { ...canonicalPage(events.slice(0, 10)), leafInputs: canonicalPage(events.slice(0, 10)).leafInputs.subarray(1) }],
      // A row the database could not write (stele_leaf_input gives NULL) leaves one text fewer.
      ['a missing text', { ...canonicalPage(events.slice(0, 10)), leafInputs: canonicalPage(events.slice(0, 9)).leafInputs }],
      ['a missing hash', { ...hashedPage(events.slice(0, 10)), computedLeafHashes: pageHashes.leafHashes(canonicalPage(events.slice(0, 9)).leafInputs) }],
    ];
    for (const [what, page, options] of refused) {
      const verifier = new LogVerifier(options);
      assert.equal(verifier.pushCanonicalRows(page), false, what);
      // Nothing was taken in: the same events pushed one by one give what they give on their own.
      const alone = new LogVerifier(options);
      for (const e of events) {
        verifier.push(e);
        alone.push(e);
      }
      assert.deepEqual(summaryOf(verifier), summaryOf(alone), what);
    }
  });
});
