// The page hashing: the native functions and their JavaScript twins in @stele/integrity give the same bytes, and
// both give what one SHA-256 per input gives.

import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { pageHashes, portablePageHashes, type PageHashes } from '@stele/integrity';
import { nativePageHashes, nativeProblem } from './native-addons.js';

const sha256 = (...parts: Uint8Array[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

// Texts of every length around SHA-256's block and padding boundaries (55, 56, 64 bytes...).
const texts = fc.array(fc.uint8Array({ minLength: 0, maxLength: 200 }).map((b) => b.map((x) => x || 1)), { maxLength: 20 });
const hashes = (n: number) => fc.uint8Array({ minLength: 32 * n, maxLength: 32 * n });

const implementations: [string, PageHashes | undefined][] = [['JavaScript', portablePageHashes], ['native', nativePageHashes]];

for (const [name, impl] of implementations) {
  describe(`page hashes (${name})`, () => {
    const skip = impl ? false : `the native functions are not built (${nativeProblem})`;

    it('hashes each 0x00-started record of a page', { skip }, () => {
      fc.assert(fc.property(texts, (records) => {
        const input = Buffer.concat(records.map((r) => Buffer.concat([Buffer.of(0), r])));
        assert.equal(hex(impl!.leafHashes(input)), records.map((r) => hex(sha256(Buffer.of(0), r))).join(''));
      }));
    });

    it('gives the chain hash each event should have, from the stored one before it', { skip }, () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 12 }).chain((n) => fc.tuple(hashes(1), hashes(n), hashes(n))), ([prev, chains, leaves]) => {
        const expected = [];
        for (let i = 0; i < leaves.length / 32; i++) expected.push(hex(sha256(i === 0 ? prev : chains.subarray(32 * (i - 1), 32 * i), leaves.subarray(32 * i, 32 * (i + 1)))));
        assert.equal(hex(impl!.chainHashes(prev, chains, leaves)), expected.join(''));
      }));
    });

    it('gives the chain hashes of events appended after a chain hash, each from the one before', { skip }, () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 12 }).chain((n) => fc.tuple(hashes(1), hashes(n))), ([prev, leaves]) => {
        const expected: Buffer[] = [];
        for (let i = 0; i < leaves.length / 32; i++) expected.push(sha256(expected[i - 1] ?? prev, leaves.subarray(32 * i, 32 * (i + 1))));
        assert.equal(hex(impl!.chainFrom(prev, leaves)), hex(Buffer.concat(expected)));
      }));
    });

    it('hashes pairs of hashes into RFC 6962 nodes', { skip }, () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 12 }).chain((n) => hashes(2 * n)), (level) => {
        const expected = [];
        for (let i = 0; i < level.length / 64; i++) expected.push(hex(sha256(Buffer.of(1), level.subarray(64 * i, 64 * (i + 1)))));
        assert.equal(hex(impl!.nodeHashes(level)), expected.join(''));
      }));
    });

    it('refuses inputs of the wrong shape', { skip }, () => {
      assert.throws(() => impl!.leafHashes(Buffer.from('{"no":"prefix"}')), /0x00/);
      assert.throws(() => impl!.chainHashes(new Uint8Array(31), new Uint8Array(32), new Uint8Array(32)), /one hash/);
      assert.throws(() => impl!.chainHashes(new Uint8Array(32), new Uint8Array(64), new Uint8Array(32)), /same whole number/);
      assert.throws(() => impl!.chainFrom(new Uint8Array(32), new Uint8Array(33)), /whole number/);
      assert.throws(() => impl!.chainFrom(new Uint8Array(0), new Uint8Array(32)), /one hash/);
      assert.throws(() => impl!.nodeHashes(new Uint8Array(32)), /pairs/);
      assert.equal(impl!.leafHashes(new Uint8Array(0)).length, 0);
    });
  });
}

describe('page hashes (native)', () => {
  it('refuses what is not a Uint8Array', { skip: nativePageHashes ? false : 'not built' }, () => {
    assert.throws(() => nativePageHashes!.leafHashes('\0text' as unknown as Uint8Array), /must be a Uint8Array/);
    assert.throws(() => nativePageHashes!.nodeHashes(new Uint16Array(32) as unknown as Uint8Array), /must be a Uint8Array/);
  });
});

describe('the page hashing in use', () => {
  it('is the native build in a process that loaded it, so sealing and verification use it', { skip: nativePageHashes ? false : 'not built' }, () => {
    assert.equal(pageHashes, nativePageHashes);
  });
});
