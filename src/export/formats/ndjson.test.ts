import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createNdjsonFormat } from './ndjson.js';
import { HOSTILE_STRINGS, bareEvent, hostileEvent, storedEvent } from './testing/events.js';

const ndjson = createNdjsonFormat();

describe('NDJSON export', () => {
  const events = [storedEvent(), bareEvent(), ...HOSTILE_STRINGS.map((s, i) => hostileEvent(s, i + 3))];
  const text = ndjson.header() + events.map((e, i) => ndjson.encode(e, i)).join('') + ndjson.footer();

  it('writes one event per LF-terminated line', () => {
    assert.ok(text.endsWith('\n'));
    assert.equal(text.split('\n').length - 1, events.length);
  });

  it('gives back every event exactly as stored, integrity fields included', () => {
    const lines = text.split('\n').slice(0, -1);
    lines.forEach((line, i) => assert.deepEqual(JSON.parse(line), events[i]));
    const first = JSON.parse(lines[0]!);
    assert.equal(first.leaf_hash, 'a'.repeat(64));
    assert.equal(first.chain_hash, 'b'.repeat(64));
    assert.equal(first.tenant_id, 'ten_1');
  });

  it('keeps a field it does not know about rather than dropping it', () => {
    const extended = { ...storedEvent(), future_field: 1 };
    assert.equal(JSON.parse(ndjson.encode(extended, 0)).future_field, 1);
  });

  it('writes nothing for an empty export', () => {
    assert.equal(ndjson.header() + ndjson.footer(), '');
  });
});
