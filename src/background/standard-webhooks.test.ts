import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { generateWebhookSecret, signWebhook, verifyWebhook } from './standard-webhooks.js';

// Copied from /work/shared/vectors/webhooks (provenance in the README beside it).
interface Vectors {
  published_sign_vectors: { desc: string; secret: string; msg_id: string; timestamp: number; payload: string; signature: string }[];
  verify_cases: { cases: {
    desc: string; header_signature: string; now: number; valid: boolean; secret: string; msg_id: string; timestamp: number; payload: string;
    payload_override?: string; timestamp_override?: string; omit_header?: string;
  }[] };
}
const vectors = JSON.parse(readFileSync(new URL('./testing/webhook-vectors/standard-webhooks.json', import.meta.url), 'utf8')) as Vectors;

describe('Standard Webhooks signatures', () => {
  for (const v of vectors.published_sign_vectors) {
    it(`signs the published vector: ${v.desc}`, async () => {
      const headers = await signWebhook(v.secret, v.msg_id, v.timestamp, v.payload);
      assert.equal(headers['webhook-signature'], v.signature);
      assert.equal(headers['webhook-id'], v.msg_id);
      assert.equal(headers['webhook-timestamp'], String(v.timestamp));
    });
  }
  for (const c of vectors.verify_cases.cases) {
    it(`${c.valid ? 'accepts' : 'refuses'}: ${c.desc}`, () => {
      const headers: Record<string, string> = {
        'webhook-id': c.msg_id,
        'webhook-timestamp': c.timestamp_override ?? String(c.timestamp),
        'webhook-signature': c.header_signature,
      };
      if (c.omit_header) delete headers[c.omit_header];
      assert.equal(verifyWebhook(c.secret, headers, c.payload_override ?? c.payload, c.now), c.valid);
    });
  }
  it('verifies what it signs with a fresh secret, and refuses ids the signed content cannot hold', async () => {
    const secret = generateWebhookSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = Buffer.from('{"a":1}');
    assert.equal(verifyWebhook(secret, (await signWebhook(secret, 'msg_1', 1_700_000_000, body)) as never, body, 1_700_000_000), true);
    await assert.rejects(signWebhook(secret, 'a.b', 1, body), /no "."/);
    await assert.rejects(signWebhook('not-prefixed', 'a', 1, body), /whsec_/);
  });
});
