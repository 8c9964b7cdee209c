import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uuidv7 } from './ids.js';

describe('uuidv7', () => {
  it('writes the time in the first 48 bits, version 7 and the RFC 9562 variant, and never repeats', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => uuidv7(1_700_000_000_000 + Math.floor(i / 1000)));
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(new Set(ids).size, ids.length, 'unique across several refills of the random pool');
    assert.equal(ids[0]!.slice(0, 13).replace('-', ''), (1_700_000_000_000).toString(16).padStart(12, '0'));
    assert.ok(ids[999]! < ids[1000]! && ids[1999]! < ids[2000]!, 'a later millisecond sorts after');
  });
});
