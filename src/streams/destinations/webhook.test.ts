// Webhook streams that send the same batch (a tenant's streams share the event objects they read)
// share its body: each receiver gets the same bytes, signed with its own stream's secret.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { generateWebhookSecret, verifyWebhook } from '../../background/standard-webhooks.js';
import type { StoredEvent } from '../../domain/event.js';
import type { Batch, DestinationClient, StreamFormat } from './destination.js';
import { webhookDestination } from './webhook.js';

const received: { path: string; headers: Record<string, string | string[] | undefined>; body: Buffer }[] = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
    res.writeHead(204).end();
  });
});
let base = '';
before(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

const event = (seq: number): StoredEvent => ({
  tenant_id: 't-1', seq, id: `evt-${seq}`, action: 'user.login', category: 'authentication',
  occurred_at: '2026-05-01T12:00:00.123Z', received_at: '2026-05-01T12:00:00.200Z', success: true, leaf_hash: 'aa', chain_hash: 'bb',
});

function client(streamId: string, secret: string, format: StreamFormat = 'json'): DestinationClient {
  return webhookDestination.open({
    tenantId: 't-1', streamId, config: { url: `${base}/${streamId}` }, secrets: { secret }, format,
    product: { vendor: 'Stele', name: 'Stele', version: 'test' }, hostname: 'test', timeoutMs: 5000, now: Date.now,
    latestCheckpoint: async () => undefined,
  });
}

const batchOf = (c: DestinationClient, events: StoredEvent[]): Batch => ({ events, entries: events.map((e) => c.encode(e)) });

describe('webhook stream bodies', () => {
  it('sends the same batch to two streams as the same bytes, each signed with its own secret', async () => {
    received.length = 0;
    const secrets = [generateWebhookSecret(), generateWebhookSecret()];
    const [a, b] = [client('s-a', secrets[0]!), client('s-b', secrets[1]!)];
    const events = [event(1), event(2), event(3)];
    for (const c of [a, b]) assert.equal((await c.send(batchOf(c, events), new AbortController().signal)).ok, true);
    const [first, second] = received;
    assert.deepEqual(first!.body, second!.body);
    assert.deepEqual(JSON.parse(first!.body.toString('utf8')).events.map((e: StoredEvent) => e.seq), [1, 2, 3]);
    assert.equal(verifyWebhook(secrets[0]!, first!.headers, first!.body), true);
    assert.equal(verifyWebhook(secrets[1]!, second!.headers, second!.body), true);
    assert.equal(verifyWebhook(secrets[0]!, second!.headers, second!.body), false, 'the other stream\'s secret does not verify it');
    assert.notEqual(first!.headers['webhook-id'], second!.headers['webhook-id']);
  });

  it('makes the body afresh for other events, another cut of them, or another format', async () => {
    received.length = 0;
    const secret = generateWebhookSecret();
    const json = client('s-json', secret);
    const ocsf = client('s-ocsf', secret, 'ocsf');
    const events = [event(1), event(2), event(3)];
    await json.send(batchOf(json, events), new AbortController().signal);
    await json.send(batchOf(json, events.slice(0, 2)), new AbortController().signal);
    await ocsf.send(batchOf(ocsf, events), new AbortController().signal);
    await json.send(batchOf(json, [event(1), event(2), event(3)]), new AbortController().signal);
    const seqs = received.map((r) => JSON.parse(r.body.toString('utf8')).events.length);
    assert.deepEqual(seqs, [3, 2, 3, 3]);
    assert.notDeepEqual(received[2]!.body, received[0]!.body, 'OCSF objects, not the events as the API returns them');
    assert.deepEqual(received[3]!.body, received[0]!.body, 'equal events make an equal body');
  });
});
