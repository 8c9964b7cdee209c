// A generic webhook signed per Standard Webhooks 1.0. Body: {"type":"audit.events","events":[...]}
// with each event as the API returns it (or as OCSF objects). `webhook-id` names the batch by the
// stream and its seq range, so a batch sent again (after a failure or a restart) carries the same
// id and a receiver can drop it. 2xx = delivered; 410 = the receiver is gone: the stream is
// disabled until resumed; anything else (429/502/504 and the rest) is retried with backoff,
// never sooner than Retry-After.

import { generateWebhookSecret, signWebhook } from '../../background/standard-webhooks.js';
import { compact, invalidConfig, readConfig } from './config-fields.js';
import type { StoredEvent } from '../../domain/event.js';
import { type Batch, type DestinationType, type StreamFormat, urlHost } from './destination.js';
import { post } from '../../destinations/http-request.js';
import { createPayloadEncoder } from './payloads.js';

// A tenant's streams with the same filter and format often send the very same batch (the same
// event objects, read once and shared by shared-reads.ts, cut at the same places): its body is
// made once, as bytes, which are signed and sent as they are.
const bodies = new WeakMap<StoredEvent, { last: StoredEvent; count: number; format: StreamFormat; body: Buffer }>();

function bodyOf(batch: Batch, format: StreamFormat): Buffer {
  const first = batch.events[0]!;
  const last = batch.events[batch.events.length - 1]!;
  const known = bodies.get(first);
  if (known && known.last === last && known.count === batch.events.length && known.format === format) return known.body;
  const body = Buffer.from(`{"type":"audit.events","events":[${batch.entries.join(',')}]}`);
  if (!batch.test) bodies.set(first, { last, count: batch.events.length, format, body });
  return body;
}

export const webhookDestination: DestinationType = {
  type: 'webhook',
  formats: ['json', 'ocsf'],
  limits: { maxEvents: 1000, maxBytes: 1_000_000 },
  secretFields: ['secret'],
  parse(input, previous) {
    const config = readConfig(input);
    const url = config.url('url', { required: true });
    // The secret is Stele's to make (generateSecrets); a client may only send back its mask.
    const given = config.secret('secret', previous);
    if (given !== undefined && given !== previous?.secret) throw invalidConfig('secret', 'is made by Stele and returned once at creation; it cannot be set');
    config.done();
    return { config: compact({ url }), secrets: previous?.secret ? { secret: previous.secret } : {} as Record<string, string> };
  },
  generateSecrets: () => ({ secret: generateWebhookSecret() }),
  describe: (config) => String(config.url),
  hosts: (config) => [urlHost('url', config.url)],
  open(context) {
    const url = String(context.config.url);
    const secret = context.secrets.secret ?? '';
    const payload = createPayloadEncoder(context.format, context.product);
    return {
      encode: (event) => payload(event).text,
      async send(batch, signal) {
        const body = bodyOf(batch, context.format);
        const first = batch.events[0]!;
        const last = batch.events[batch.events.length - 1]!;
        const id = batch.test ? `msg_test_${context.now()}` : `msg_${context.streamId}_${first.seq}-${last.seq}`;
        const timestamp = Math.floor(context.now() / 1000);
        const answer = await post(url, {
          headers: {
            'content-type': 'application/json',
            'user-agent': `Stele/${context.product.version}`,
            ...(await signWebhook(secret, id, timestamp, body)),
          },
          body, signal, timeoutMs: context.timeoutMs,
        });
        return answer.status === 410 ? { ...answer, disable: true, error: 'HTTP 410 Gone: the receiver says this webhook no longer exists' } : answer;
      },
      close: async () => undefined,
    };
  },
};
