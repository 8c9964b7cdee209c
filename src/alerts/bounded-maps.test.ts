import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedMaps } from './bounded-maps.js';

describe('bounded maps', () => {
  it('keeps entries per outer key, and counts each once however often it is set', () => {
    const maps = new BoundedMaps<number>(10);
    maps.set('rule 1', 'actor=a', 1);
    maps.set('rule 1', 'actor=a', 2);
    maps.set('rule 2', 'actor=a', 3);
    assert.equal(maps.of('rule 1').get('actor=a'), 2);
    assert.equal(maps.of('rule 2').get('actor=a'), 3);
    assert.equal(maps.of('rule 3').size, 0);
    assert.equal(maps.size, 2);
  });

  it('forgets everything once a new entry would pass the bound, then keeps counting', () => {
    const maps = new BoundedMaps<number>(3);
    for (const key of ['a', 'b', 'c']) maps.set('rule', key, 1);
    maps.set('rule', 'c', 2); // a known entry: no new one
    assert.equal(maps.size, 3);
    maps.set('other', 'd', 1);
    assert.equal(maps.size, 1);
    assert.equal(maps.of('rule').size, 0);
    assert.equal(maps.of('other').get('d'), 1);
  });

  it('deletes an entry and the outer key it leaves empty', () => {
    const maps = new BoundedMaps<number>(3);
    maps.set('rule', 'a', 1);
    maps.delete('rule', 'a');
    maps.delete('rule', 'a');
    maps.delete('none', 'a');
    assert.equal(maps.size, 0);
    assert.equal(maps.of('rule').size, 0);
  });
});
