import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import type { CanonicalEvent, StoredEvent } from './event.js';
import { canonicalBytes, canonicalObject, canonicalText, leafHashOf } from './canonical.js';

const base: CanonicalEvent = {
  tenant_id: 't1',
  seq: 1,
  id: 'evt_1',
  action: 'user.login',
  category: 'auth',
  occurred_at: '2026-05-01T12:00:00.123Z',
  received_at: '2026-05-01T12:00:00.456Z',
};
const text = (e: CanonicalEvent): string => new TextDecoder().decode(canonicalBytes(e));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('canonical form', () => {
  it('sorts keys and has no whitespace', () => {
    assert.equal(
      text(base),
      '{"action":"user.login","category":"auth","id":"evt_1","occurred_at":"2026-05-01T12:00:00.123Z",' +
        '"received_at":"2026-05-01T12:00:00.456Z","seq":1,"tenant_id":"t1"}',
    );
  });

  it('pins the leaf hash of a minimal event', () => {
    // J='<the canonical text above>'; (printf '\x00'; printf '%s' "$J") | sha256sum
    assert.equal(hex(leafHashOf(base)), '66bdbe7262831ce8d3d8d621172c493f574d8ef8b7f78d82adb5800098d3a7cb');
  });

  it('does not depend on the order in which properties were set', () => {
    const reordered: CanonicalEvent = {
      received_at: base.received_at, details: { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }, seq: 1,
      occurred_at: base.occurred_at, category: 'auth', action: 'user.login', id: 'evt_1', tenant_id: 't1',
      actor: { role: 'admin', id: 'u1' },
    };
    const ordered: CanonicalEvent = {
      ...base, actor: { id: 'u1', role: 'admin' }, details: { a: { c: null, d: [3, { y: 2, z: 1 }] }, b: 1 },
    };
    assert.deepEqual(canonicalBytes(reordered), canonicalBytes(ordered));
    assert.match(text(ordered), /"details":\{"a":\{"c":null,"d":\[3,\{"y":2,"z":1\}\]\},"b":1\}/);
  });

  it('sorts keys by UTF-16 code units and writes non-ASCII text as UTF-8, not escapes', () => {
    const e: CanonicalEvent = { ...base, details: { 'é': 'café ☕', 'z': '😀', '\u20ac': 'euro', 'a\u0000': 'ctl' } };
    // RFC 8785 §3.2.3: keys compare as UTF-16 code units; control characters are escaped.
    assert.match(text(e), /"details":\{"a\\u0000":"ctl","z":"😀","é":"café ☕","€":"euro"\}/);
    const bytes = canonicalBytes(e);
    assert.ok(Buffer.from(bytes).includes(Buffer.from('café ☕', 'utf8')));
  });

  it('serialises numbers the ECMAScript way (RFC 8785 §3.2.2.3)', () => {
    const e: CanonicalEvent = { ...base, details: { a: 1e21, b: 0.1, c: -0, d: 1.5e-7, e: 100, f: 2 ** 53 } };
    assert.match(text(e), /"details":\{"a":1e\+21,"b":0.1,"c":0,"d":1.5e-7,"e":100,"f":9007199254740992\}/);
  });

  it('rejects values that have no canonical form', () => {
    assert.throws(() => canonicalBytes({ ...base, details: { x: Number.NaN } }));
    assert.throws(() => canonicalBytes({ ...base, details: { x: '\ud800' } }));
  });

  it('omits absent and null fields instead of writing null', () => {
    const withNulls = {
      ...base, actor: { id: 'u1', email: null }, target: null, context: { ip: undefined }, success: null, details: null,
    } as unknown as CanonicalEvent;
    assert.deepEqual(canonicalObject(withNulls), { ...base, actor: { id: 'u1' } });
    assert.equal(hex(leafHashOf(withNulls)), hex(leafHashOf({ ...base, actor: { id: 'u1' } })));
  });

  it('treats empty actor, target, context and details like absent ones, as the store cannot tell them apart', () => {
    assert.deepEqual(canonicalBytes({ ...base, actor: {}, target: {}, context: {}, details: {} }), canonicalBytes(base));
  });

  it('writes the server-derived geo between details and id, and leaves it out when empty', () => {
    assert.match(text({ ...base, details: { a: 1 }, geo: { country: 'DE' } }), /"details":\{"a":1\},"geo":\{"country":"DE"\},"id":/);
    assert.deepEqual(canonicalBytes({ ...base, geo: {} }), canonicalBytes(base));
    assert.notEqual(hex(leafHashOf({ ...base, geo: { country: 'FR' } })), hex(leafHashOf({ ...base, geo: { country: 'DE' } })));
  });

  it('keeps success false and http_status 0', () => {
    assert.match(text({ ...base, success: false, context: { http_status: 0 } }), /"context":\{"http_status":0\},.*"success":false/);
  });

  it('ignores properties outside the canonical field list, such as the stored hashes', () => {
    const stored: StoredEvent & { extra: string } = { ...base, leaf_hash: 'ab', chain_hash: 'cd', extra: 'x' };
    assert.deepEqual(canonicalBytes(stored), canonicalBytes(base));
    const sneaky = { ...base, actor: { id: 'u1', nickname: 'x' } } as unknown as CanonicalEvent;
    assert.deepEqual(canonicalBytes(sneaky), canonicalBytes({ ...base, actor: { id: 'u1' } }));
  });

  it('changes the leaf hash when any covered field changes', () => {
    const h = hex(leafHashOf(base));
    for (const changed of [
      { ...base, tenant_id: 't2' }, { ...base, seq: 2 }, { ...base, id: 'evt_2' }, { ...base, action: 'user.logout' },
      { ...base, category: 'x' }, { ...base, occurred_at: '2026-05-01T12:00:00.124Z' },
      { ...base, received_at: '2026-05-01T12:00:00.457Z' }, { ...base, success: true }, { ...base, details: { a: 1 } },
    ]) assert.notEqual(hex(leafHashOf(changed)), h);
  });
});

describe('fast canonical serialiser', () => {
  const str = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constantFrom('', '"\\\n\u2028', 'é', '😀'));
  const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined | null> => fc.option(a, { nil: undefined }).chain((v) => fc.constantFrom(v, v, null as T | null));
  const num = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, 1e21, 1e-7, 2 ** 53));
  const eventArb = fc.record({
    tenant_id: str, seq: fc.nat(), id: str, action: str, category: str, occurred_at: str, received_at: str,
    actor: opt(fc.record({ id: opt(str), type: opt(str), email: opt(str), name: opt(str), role: opt(str) })),
    target: opt(fc.record({ type: opt(str), id: opt(str), name: opt(str), slug: opt(str), version: opt(str), url: opt(str) })),
    context: opt(fc.record({ ip: opt(str), user_agent: opt(str), url: opt(str), http_status: opt(num), method: opt(str) })),
    geo: opt(fc.record({ country: opt(str) })),
    success: opt(fc.boolean()),
    details: opt(fc.dictionary(str, fc.jsonValue())),
  });

  it('agrees with canonicalize where JSON.stringify alone would not: integer-like and __proto__ keys, escapes, bad values', () => {
    const cases: Record<string, unknown>[] = [
      { b: 1, 10: 'ten', 2: 'two', a: { 0: false, '': null } },
      JSON.parse('{"__proto__":{"x":1},"a":2}'),
      { tab: '\t', bell: '\u0007', backslash_u: '\\u0041', line_separator: '\u2028' },
      { nested: [1, 'two', { y: 2, x: [{ 1: 'b', 0: 'a' }] }] },
      { a: [1, undefined] },
    ];
    for (const details of cases) assert.equal(canonicalText({ ...base, details } as CanonicalEvent), canonicalize(canonicalObject({ ...base, details } as CanonicalEvent)));
    for (const details of [{ n: Number.NaN }, { s: 'lone \ud800' }, { ['\udc00']: 1 }]) {
      assert.throws(() => canonicalText({ ...base, details } as unknown as CanonicalEvent));
    }
  });

  it('produces exactly what canonicalize gives for the canonical object, or fails the same way', () => {
    fc.assert(
      fc.property(eventArb, (raw) => {
        const e = raw as unknown as CanonicalEvent;
        let want: string | undefined;
        try {
          want = canonicalize(canonicalObject(e));
        } catch {
          assert.throws(() => canonicalText(e));
          return;
        }
        assert.equal(canonicalText(e), want);
      }),
      { numRuns: 2000 },
    );
  });
});
