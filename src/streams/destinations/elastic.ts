// Elasticsearch `_bulk` (elastic.co/guide/en/elasticsearch/reference/current/docs-bulk.html):
// NDJSON, an action line then a document line per event, every line (the last too) ending in \n.
// `create` with the event id as `_id`: the only action data streams take, and idempotent, since a
// document sent again is a 409 that counts as delivered. The answer is 200 even when items failed:
// `errors: true` is read item by item, and the cursor moves past the items accepted from the
// start of the batch (order kept); the rest is retried. Auth: `ApiKey <base64 id:key>` or Basic.

import { compact, invalidConfig, readConfig } from './config-fields.js';
import { type DestinationType, type ReceiverAnswer, urlHost } from './destination.js';
import { answerOf, excerpt, httpRequest, type HttpAnswer, unreachable } from '../../destinations/http-request.js';
import { createPayloadEncoder, withMembers } from './payloads.js';

// Elasticsearch index names: lower case, no \ / * ? " < > | , # : or space, not starting with - _ +.
const INDEX = /^[a-z0-9][^A-Z\\/*?"<>|,# :]{0,254}$/;

interface BulkItem { status?: number; error?: { type?: string; reason?: string } }

/** Reads a _bulk answer for `count` items: accepted when every item is 2xx or 409 (already there). */
export function bulkAnswer(http: HttpAnswer, count: number): ReceiverAnswer {
  const answer = answerOf(http);
  if (!answer.ok) return answer;
  let reply: { errors?: unknown; items?: Record<string, BulkItem>[] };
  try {
    reply = JSON.parse(http.text) as typeof reply;
  } catch {
    return { ...answer, ok: false, error: 'the _bulk answer is not JSON (was it cut short?)' };
  }
  const items = Array.isArray(reply.items) ? reply.items.map((item) => Object.values(item ?? {})[0] ?? {}) : [];
  if (items.length !== count) return { ...answer, ok: false, error: `the _bulk answer has ${items.length} items for ${count} documents` };
  const accepted = (item: BulkItem) => item.status !== undefined && ((item.status >= 200 && item.status < 300) || item.status === 409);
  const firstFailed = items.findIndex((item) => !accepted(item));
  if (firstFailed < 0) return answer;
  const failed = items[firstFailed]!;
  const reason = `${failed.error?.type ?? 'error'}: ${failed.error?.reason ?? 'no reason given'}`;
  const failures = items.filter((item) => !accepted(item)).length;
  return {
    ...answer, ok: false, acceptedPrefix: firstFailed, body: excerpt(http.text),
    error: `${failures} of ${count} documents refused; the first, item ${firstFailed}, with status ${failed.status}: ${reason}`,
  };
}

export const elasticDestination: DestinationType = {
  type: 'elastic',
  formats: ['json', 'ocsf'],
  limits: { maxEvents: 1000, maxBytes: 5_000_000 },
  secretFields: ['api_key', 'password'],
  parse(input, previous) {
    const config = readConfig(input);
    const url = config.url('url', { required: true });
    const index = config.string('index', { required: true, pattern: INDEX, expected: 'an index or data stream name (lower case, no spaces or \\ / * ? " < > | , # :)' });
    const username = config.string('username', { max: 200 });
    const apiKey = config.secret('api_key', username === undefined ? previous : undefined, { max: 500 });
    const password = config.secret('password', username !== undefined ? previous : undefined, { max: 500 });
    config.done();
    if ((apiKey === undefined) === (username === undefined)) throw invalidConfig('api_key', 'or config.username and config.password: give exactly one');
    if (username !== undefined && password === undefined) throw invalidConfig('password', 'is required with config.username');
    return { config: compact({ url, index, username }), secrets: apiKey !== undefined ? { api_key: apiKey } : { password: password! } as Record<string, string> };
  },
  describe: (config) => `${String(config.url).replace(/\/+$/, '')}/_bulk → ${String(config.index)}`,
  hosts: (config) => [urlHost('url', config.url)],
  open(context) {
    const url = `${String(context.config.url).replace(/\/+$/, '')}/_bulk`;
    const index = JSON.stringify(context.config.index);
    const { username } = context.config;
    const authorization = context.secrets.api_key !== undefined
      ? `ApiKey ${context.secrets.api_key}`
      : `Basic ${Buffer.from(`${String(username)}:${context.secrets.password}`).toString('base64')}`;
    const payload = createPayloadEncoder(context.format, context.product);
    return {
      encode: (event) =>
        `{"create":{"_index":${index},"_id":${JSON.stringify(event.id)}}}\n${withMembers(`"@timestamp":${JSON.stringify(event.occurred_at)}`, payload(event))}\n`,
      async send(batch, signal) {
        try {
          const http = await httpRequest(url, {
            headers: { authorization, 'content-type': 'application/x-ndjson' },
            body: batch.entries.join(''), signal, timeoutMs: context.timeoutMs, maxBodyBytes: 16 << 20,
          });
          return bulkAnswer(http, batch.entries.length);
        } catch (error) {
          return unreachable(error);
        }
      },
      close: async () => undefined,
    };
  },
};
