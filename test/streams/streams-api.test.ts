// /v1/streams on both engines: create/read/replace/delete, secrets sealed and masked (a webhook's
// returned once), every bad input a 400 naming the field, the scope, tenants kept apart, start
// points and replay, pause and resume, and a self-audit event for each change that holds no secret.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-app.js';
import { startHttpReceiver, waitFor, type HttpReceiver } from './http-receiver.js';

const ENV = { STELE_STREAM_RETRY_MAX_SECONDS: '1', STELE_STREAM_FAILING_AFTER_SECONDS: '0' };
const HEC = (url: string) => ({ url, token: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', index: 'main' });

for (const engine of ENGINES) {
  describe(`streams API on ${engine.name}`, { skip: engine.skip }, () => {
    let app: TestApp;
    let receiver: HttpReceiver;
    let key: string;
    let tenantId: string;
    before(async () => {
      app = await startTestApp(engine.name, ENV);
      receiver = await startHttpReceiver(() => [], () => ({ status: 200, body: '{"text":"Success","code":0}' }));
      ({ key, tenantId } = await app.tenantWithKey(['events:write', 'audit:read', 'streams:manage']));
    });
    after(async () => {
      await receiver.close();
      await app.close();
    });

    const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, as = key) => app.request({ method, url, key: as, ...(payload && { payload }) });
    /** Self-audit events of one action, oldest first. */
    const logOf = async (action: string) => (await api('GET', `/v1/events?action=${action}&sort=seq&order=asc`)).json().events as { details: Record<string, unknown>; actor: Record<string, unknown>; target: Record<string, unknown> }[];
    const send = async (count: number, action = 'doc.viewed') => {
      const response = await api('POST', '/v1/events', Array.from({ length: count }, () => ({ action })));
      assert.equal(response.statusCode, 201, response.body);
      return response.json().events as { id: string; seq: number }[];
    };

    it('creates a stream, shows its secrets masked, and records stream.created without them', async () => {
      const created = await api('POST', '/v1/streams', { name: 'Splunk', type: 'splunk_hec', config: HEC(receiver.url), filter: { categories: ['security'], q: 'success:false' }, format: 'cef' });
      assert.equal(created.statusCode, 201, created.body);
      const stream = created.json();
      assert.equal(stream.config.token, '••••eeee');
      assert.equal(stream.secret, undefined);
      assert.equal(stream.state, 'active');
      assert.equal(stream.format, 'cef');
      assert.deepEqual(stream.filter, { categories: ['security'], q: 'success:false' });
      assert.equal(stream.cursor, stream.head - 1, 'from now on: its own stream.created is the first event after the cursor');
      const shown = (await api('GET', `/v1/streams/${stream.id}`)).json();
      assert.equal(shown.config.token, '••••eeee');
      assert.equal(JSON.stringify((await api('GET', '/v1/streams')).json()).includes('aaaaaaaa-bbbb'), false);
      const [event] = await logOf('stream.created');
      assert.equal(event!.target.id, stream.id);
      assert.equal(event!.details.type, 'splunk_hec');
      assert.deepEqual(event!.details.credentials, ['token set']);
      assert.equal(JSON.stringify(event).includes('aaaaaaaa-bbbb'), false);
      // Sealed at rest: the database holds no secret in the clear.
      const rows = await app.db.raw("SELECT body FROM records WHERE kind LIKE 'stream%'");
      assert.equal(JSON.stringify(rows).includes('aaaaaaaa-bbbb'), false);
    });

    it('returns a webhook\'s whsec_ secret once, at creation only', async () => {
      const created = (await api('POST', '/v1/streams', { name: 'hook', type: 'webhook', config: { url: `${receiver.url}/x` } })).json();
      assert.match(created.secret, /^whsec_/);
      assert.equal(created.config.secret, `••••${created.secret.slice(-4)}`);
      const again = (await api('GET', `/v1/streams/${created.id}`)).json();
      assert.equal(again.secret, undefined);
      assert.equal(JSON.stringify(again).includes(created.secret), false);
      const refused = await api('POST', '/v1/streams', { name: 'hook', type: 'webhook', config: { url: `${receiver.url}/x`, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } });
      assert.equal(refused.statusCode, 400);
      assert.equal(refused.json().error.details[0].field, 'config.secret');
    });

    for (const [what, body, field] of [
      ['an unknown type', { name: 'x', type: 'kafka', config: {} }, 'type'],
      ['a missing required setting', { name: 'x', type: 'splunk_hec', config: { url: 'http://127.0.0.1:1' } }, 'config.token'],
      ['a setting the destination does not take', { name: 'x', type: 'sumo', config: { url: 'https://collectors.sumologic.com/receiver/v1/http/abc', tokne: 'x' } }, 'config.tokne'],
      ['a URL that is not http(s)', { name: 'x', type: 'webhook', config: { url: 'file:///etc/passwd' } }, 'config.url'],
      ['credentials in a URL', { name: 'x', type: 'elastic', config: { url: 'http://u:p@127.0.0.1:9200', index: 'a', api_key: 'k' } }, 'config.url'],
      ['a format the destination cannot take', { name: 'x', type: 'sentinel', format: 'cef', config: {} }, 'config.tenant_id'],
      ['a bad search query', { name: 'x', type: 'webhook', config: { url: 'http://127.0.0.1:1' }, filter: { q: 'actor:(' } }, undefined],
      ['an unknown saved search', { name: 'x', type: 'webhook', config: { url: 'http://127.0.0.1:1' }, filter: { saved_search: 'nope' } }, 'filter.saved_search'],
      ['a config that is not an object', { name: 'x', type: 'syslog', config: [1] }, 'config'],
      ['a port out of range', { name: 'x', type: 'syslog', config: { host: 'siem.example.com', port: 70000 } }, 'config.port'],
      ['a CA without TLS', { name: 'x', type: 'syslog', config: { host: 'siem.example.com', port: 514, ca: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----' } }, 'config.ca'],
      ['a bad Datadog site', { name: 'x', type: 'datadog', config: { site: 'evil.example.com', api_key: 'k' } }, 'config.site'],
      ['a bad bucket', { name: 'x', type: 's3', config: { bucket: 'UPPER', region: 'eu-west-1', access_key_id: 'a', secret_access_key: 'b' } }, 'config.bucket'],
      ['a bad start', { name: 'x', type: 'webhook', config: { url: 'http://127.0.0.1:1' }, start: 'yesterday' }, 'start'],
      ['a blank name', { name: '   ', type: 'webhook', config: { url: 'http://127.0.0.1:1' } }, 'name'],
    ] as const) {
      it(`refuses ${what} with a 400 naming the field, and stores nothing`, async () => {
        const before = (await api('GET', '/v1/streams')).json().streams.length;
        const response = await api('POST', '/v1/streams', body);
        assert.equal(response.statusCode, 400, response.body);
        if (field) assert.equal(response.json().error.details[0]?.field, field, response.body);
        assert.equal((await api('GET', '/v1/streams')).json().streams.length, before);
      });
    }

    it('needs streams:manage, and keeps tenants apart', async () => {
      const { key: reader } = await app.tenantWithKey(['audit:read']);
      assert.equal((await api('GET', '/v1/streams', undefined, reader)).statusCode, 403);
      const mine = (await api('POST', '/v1/streams', { name: 'mine', type: 'splunk_hec', config: HEC(receiver.url) })).json();
      const { key: other } = await app.tenantWithKey(['streams:manage'], 'other');
      assert.equal((await api('GET', `/v1/streams/${mine.id}`, undefined, other)).statusCode, 404);
      assert.equal((await api('DELETE', `/v1/streams/${mine.id}`, undefined, other)).statusCode, 404);
      assert.equal((await api('POST', `/v1/streams/${mine.id}/pause`, undefined, other)).statusCode, 404);
      assert.deepEqual((await api('GET', '/v1/streams', undefined, other)).json().streams, []);
      // The instance admin names the tenant.
      assert.equal((await api('GET', `/v1/streams/${mine.id}?tenant_id=${tenantId}`, undefined, ADMIN_TOKEN)).json().id, mine.id);
    });

    it('replaces settings keeping a secret left out or sent back masked, and records what changed', async () => {
      const stream = (await api('POST', '/v1/streams', { name: 'old', type: 'splunk_hec', config: HEC(receiver.url) })).json();
      const masked = await api('PUT', `/v1/streams/${stream.id}`, { name: 'new', type: 'splunk_hec', config: { ...HEC(receiver.url), token: stream.config.token, index: 'audit' } });
      assert.equal(masked.statusCode, 200, masked.body);
      assert.equal(masked.json().config.token, '••••eeee');
      assert.equal(masked.json().config.index, 'audit');
      const left = await api('PUT', `/v1/streams/${stream.id}`, { name: 'new', type: 'splunk_hec', config: { url: receiver.url } });
      assert.equal(left.json().config.token, '••••eeee');
      const test = (await api('POST', `/v1/streams/${stream.id}/test`)).json();
      assert.equal(test.ok, true);
      assert.equal(receiver.requests.at(-1)!.headers.authorization, 'Splunk aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', 'the kept token is the one sent');
      const changed = await api('PUT', `/v1/streams/${stream.id}`, { name: 'new', type: 'splunk_hec', config: { url: receiver.url, token: 'ffffffff-bbbb-cccc-dddd-000000000000' } });
      assert.equal(changed.json().config.token, '••••0000');
      assert.equal((await api('PUT', `/v1/streams/${stream.id}`, { name: 'x', type: 'webhook', config: { url: receiver.url } })).statusCode, 400);
      const updates = (await logOf('stream.updated')).filter((e) => e.target.id === stream.id);
      assert.deepEqual((updates[0]!.details.changes as Record<string, unknown>).name, { from: 'old', to: 'new' });
      assert.deepEqual(updates.at(-1)!.details.credentials_changed, ['token']);
      assert.equal(JSON.stringify(updates).includes('ffffffff-bbbb'), false);
    });

    it('starts at now by default, or at a seq or a time (backfill)', async () => {
      const old = await send(5);
      const atNow = (await api('POST', '/v1/streams', { name: 'now', type: 'splunk_hec', config: HEC(receiver.url) })).json();
      assert.equal(atNow.cursor, atNow.head - 1);
      const fromSeq = (await api('POST', '/v1/streams', { name: 'seq', type: 'splunk_hec', config: HEC(receiver.url), start: old[2]!.seq, filter: { actions: ['doc.viewed'] } })).json();
      assert.equal(fromSeq.cursor, old[2]!.seq - 1);
      const start = (await api('GET', `/v1/events/${old[0]!.id}`)).json().received_at;
      const fromTime = (await api('POST', '/v1/streams', { name: 'time', type: 'splunk_hec', config: HEC(receiver.url), start })).json();
      assert.ok(fromTime.cursor < old[0]!.seq, `cursor ${fromTime.cursor} is before the first event received at ${start}`);
      await api('POST', `/v1/streams/${fromSeq.id}/pause`);
    });

    it('pauses (nothing is sent), resumes from the cursor, and replays from a seq', async () => {
      const rx = await startHttpReceiver(() => [], () => ({ status: 200 }));
      try {
        const stream = (await api('POST', '/v1/streams', { name: 'p', type: 'webhook', config: { url: rx.url }, filter: { actions: ['pause.test'] } })).json();
        const first = await send(3, 'pause.test');
        await waitFor('delivery', async () => ((await api('GET', `/v1/streams/${stream.id}`)).json().delivered === 3 ? true : undefined));
        const paused = (await api('POST', `/v1/streams/${stream.id}/pause`)).json();
        assert.equal(paused.state, 'paused');
        const requests = rx.requests.length;
        await send(4, 'pause.test');
        await new Promise((resolve) => setTimeout(resolve, 1200));
        assert.equal(rx.requests.length, requests, 'nothing sent while paused');
        assert.equal((await api('GET', `/v1/streams/${stream.id}`)).json().lag.events, 4);
        assert.equal((await api('POST', `/v1/streams/${stream.id}/resume`)).json().state, 'active');
        await waitFor('delivery after resume', async () => ((await api('GET', `/v1/streams/${stream.id}`)).json().delivered === 7 ? true : undefined));
        const replayed = await api('POST', `/v1/streams/${stream.id}/replay`, { from_seq: first[1]!.seq });
        assert.equal(replayed.statusCode, 200, replayed.body);
        await waitFor('redelivery', async () => ((await api('GET', `/v1/streams/${stream.id}`)).json().delivered === 13 ? true : undefined));
        const ids = rx.requests.flatMap((r) => (JSON.parse(r.body) as { events: { id: string }[] }).events.map((e) => e.id));
        assert.deepEqual(ids.slice(-6), ids.slice(1, 7));
        assert.equal((await api('POST', `/v1/streams/${stream.id}/replay`, { from_seq: 1, from_time: 'now-1h' })).statusCode, 400);
        assert.equal((await api('POST', `/v1/streams/${stream.id}/replay`, {})).statusCode, 400);
        for (const action of ['stream.paused', 'stream.resumed', 'stream.replayed']) {
          assert.equal((await logOf(action)).filter((e) => e.target.id === stream.id).length, 1, action);
        }
        const [replay] = (await logOf('stream.replayed')).filter((e) => e.target.id === stream.id);
        assert.equal(replay!.details.from_seq, first[1]!.seq);
      } finally {
        await rx.close();
      }
    });

    it('deletes a stream: it is gone, delivery stops, and stream.deleted is recorded', async () => {
      const stream = (await api('POST', '/v1/streams', { name: 'gone', type: 'splunk_hec', config: HEC(receiver.url) })).json();
      assert.equal((await api('DELETE', `/v1/streams/${stream.id}`)).statusCode, 204);
      assert.equal((await api('GET', `/v1/streams/${stream.id}`)).statusCode, 404);
      assert.equal((await api('DELETE', `/v1/streams/${stream.id}`)).statusCode, 404);
      assert.equal((await logOf('stream.deleted')).filter((e) => e.target.id === stream.id).length, 1);
      const rows = await app.db.raw('SELECT kind FROM records WHERE id = ?', [stream.id]);
      assert.deepEqual(rows, []);
    });
  });
}

describe('STELE_STREAM_HOSTS', () => {
  it('refuses streams to hosts the server may not send to, naming the field', async () => {
    const app = await startTestApp('sqlite', { STELE_STREAM_HOSTS: 'siem.example.com,*.splunkcloud.com' });
    try {
      const { key } = await app.tenantWithKey(['streams:manage']);
      const create = (type: string, config: object) => app.request({ method: 'POST', url: '/v1/streams', key, payload: { name: 'x', type, config } });
      const local = await create('webhook', { url: 'http://127.0.0.1:8080/internal' });
      assert.equal(local.statusCode, 400);
      assert.equal(local.json().error.details[0].field, 'config.url');
      assert.match(local.json().error.message, /127\.0\.0\.1, which is not among the hosts this server may send to \(STELE_STREAM_HOSTS\)/);
      assert.equal((await create('webhook', { url: 'https://siem.example.com/hooks' })).statusCode, 201);
      assert.equal((await create('splunk_hec', { url: 'https://acme.splunkcloud.com:8088', token: 't' })).statusCode, 201);
      const metadata = await create('sentinel', {
        tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47', client_id: '0b3a1c2d-1111-2222-3333-444455556666', client_secret: 's',
        endpoint: 'https://siem.example.com', rule_id: 'dcr-00112233445566778899aabbccddeeff', stream_name: 'Custom-X', authority_host: 'http://169.254.169.254',
      });
      assert.equal(metadata.json().error.details[0].field, 'config.authority_host');
      const sumo = await create('sumo', { url: 'https://collectors.sumologic.com/receiver/v1/http/secret-token' });
      assert.equal(sumo.json().error.details[0].field, 'config.url');
      assert.equal(sumo.body.includes('secret-token'), false, 'the refusal does not repeat the secret URL');
    } finally {
      await app.close();
    }
    const off = await startTestApp('sqlite', { STELE_STREAM_HOSTS: 'none' });
    try {
      const { key } = await off.tenantWithKey(['streams:manage']);
      const refused = await off.request({ method: 'POST', url: '/v1/streams', key, payload: { name: 'x', type: 'syslog', config: { host: 'siem.example.com', port: 514 } } });
      assert.equal(refused.json().error.details[0].field, 'config.host');
      assert.match(refused.json().error.message, /streams are turned off/);
    } finally {
      await off.close();
    }
  });
});
