// Signing outgoing webhooks per the Standard Webhooks specification (standardwebhooks.com), so a
// receiver checks them with any of its reference libraries: three headers, `webhook-id`,
// `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256>` over
// `<id>.<timestamp>.<body>`, keyed by the base64 part of a `whsec_` secret). Shared by every
// feature that posts to a customer's URL (alert notifications, streams). Sign the exact bytes that
// are sent: re-serialising JSON after signing breaks the signature.

import { createHmac, randomBytes, timingSafeEqual, webcrypto } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
/** The reference libraries' tolerance for a timestamp's distance from the receiver's clock. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** A new signing secret: `whsec_` and 32 random bytes in base64 (the spec asks for 24 to 64). */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/**
 * The key bytes of a `whsec_` secret. The prefix is required: without it some libraries read the
 * text as raw bytes and others as base64, and a receiver could not know which we meant.
 */
function keyOf(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a Standard Webhooks secret starts with whsec_');
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  if (key.length === 0) throw new Error('the webhook secret holds no key bytes');
  return key;
}

/** What the signature covers, as the spec has it: `<id>.<timestamp>.<body>`. */
const signedContent = (id: string, timestamp: number | string, body: string | Uint8Array): Buffer =>
  Buffer.concat([Buffer.from(`${id}.${timestamp}.`), typeof body === 'string' ? Buffer.from(body) : body]);

// Imported keys by secret: a stream signs every request with the same one, and WebCrypto's
// import costs more than the HMAC of a small batch. Bounded: cleared when full.
const signingKeys = new Map<string, Promise<webcrypto.CryptoKey>>();
const MAX_SIGNING_KEYS = 1000;

function signingKeyOf(secret: string): Promise<webcrypto.CryptoKey> {
  let key = signingKeys.get(secret);
  if (!key) {
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    key = webcrypto.subtle.importKey('raw', keyOf(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    signingKeys.set(secret, key);
    // A key that failed to import is not kept.
    key.catch(() => signingKeys.delete(secret));
  }
  return key;
}

/**
 * The headers for one message. Requires: `id` and `timestamp` without `.` (the signed content is
 * dot-separated); `timestamp` in whole seconds; `body` exactly the bytes that will be sent.
 *
 * The HMAC is computed by WebCrypto, which runs it on libuv's thread pool: a stream's request
 * holds up to 1 MB, and hashing it on the event loop held up ingest (~1.3 µs an event a stream).
 */
export async function signWebhook(secret: string, id: string, timestampSeconds: number, body: string | Uint8Array): Promise<WebhookHeaders> {
  if (id.includes('.') || id === '') throw new Error('a webhook id is non-empty and has no "."');
  if (!Number.isSafeInteger(timestampSeconds)) throw new Error('a webhook timestamp is whole seconds');
  const key = await signingKeyOf(secret);
  const mac = await webcrypto.subtle.sign('HMAC', key, signedContent(id, timestampSeconds, body));
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${Buffer.from(mac).toString('base64')}`,
  };
}

/**
 * A receiver's check (tests, and anyone verifying what Stele sends): header names in lower case;
 * entries other than `v1` are ignored; compared in constant time; the timestamp within
 * `toleranceSeconds` of `nowSeconds`.
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string | Uint8Array,
  nowSeconds: number = Math.floor(Date.now() / 1000),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  const one = (name: string) => { const v = headers[name]; return Array.isArray(v) ? v[0] : v; };
  const id = one('webhook-id');
  const timestamp = one('webhook-timestamp');
  const signatures = one('webhook-signature');
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', keyOf(secret)).update(signedContent(id, timestamp, body)).digest();
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || value === undefined) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
