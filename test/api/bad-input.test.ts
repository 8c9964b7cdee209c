// Bad input, as an attacker or a careless client sends it, gets a 4xx in the one error shape that
// names what is wrong, on both engines; nothing reaches the database driver as a 500. The fuzz
// suite (fuzz.test.ts) throws random hostile requests at every route; these are the cases we
// know by name.

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ERROR_STATUS } from '../../src/domain/errors.js';
import { decodePageToken } from '../../src/query/page-token.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { encodeRequest, sendRaw } from '../helpers/raw-http.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-app.js';

interface ErrorAnswer {
  statusCode: number;
  body: string;
}

/** Asserts our error shape with a code that maps to the status; returns the error. */
function errorOf(response: ErrorAnswer, status: number) {
  assert.equal(response.statusCode, status, response.body);
  const { error } = JSON.parse(response.body);
  assert.equal(typeof error.message, 'string');
  assert.ok(Array.isArray(error.details));
  assert.equal(typeof error.request_id, 'string');
  assert.equal(ERROR_STATUS[error.code as keyof typeof ERROR_STATUS], status, `code ${error.code} for ${status}`);
  return error as { code: string; message: string; details: { index?: number; field?: string; message: string }[] };
}

const fieldsOf = (response: ErrorAnswer, status = 400) => errorOf(response, status).details.map((d) => (d.index === undefined ? d.field : `${d.index}:${d.field}`));

interface Operation {
  method: string;
  path: string;
}

for (const engine of ENGINES) {
  describe(`bad input on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let key: string;
    let tenantId: string;
    let operations: Operation[];
    let port: number;
    const json = { 'content-type': 'application/json' };
    const sendText = (payload: string | Buffer) => t.request({ method: 'POST', url: '/v1/events', key, headers: json, payload });
    // Read from the store, not the API: an API read is itself recorded (data.accessed) and would grow the log.
    const count = async () => (await t.db.store.getHead(tenantId)).size;

    before(async () => {
      t = await startTestApp(engine.name);
      ({ key, tenantId } = await t.tenantWithKey(['events:write', 'audit:read', 'audit:export', 'keys:manage']));
      const doc = (await t.request({ method: 'GET', url: '/openapi.json' })).json();
      operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
        .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })));
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      port = (t.app.server.address() as AddressInfo).port;
    });
    after(() => t.close());

    it('refuses numbers, text and JSON that would not be stored as sent, naming the event and field, storing nothing', async () => {
      const before = await count();
      const cases: [string | Buffer, string][] = [
        ['[{"action":"a"},{"action":"b","details":{"n":9007199254740992}}]', '1:details.n'],
        ['{"action":"a","details":{"n":-1e400}}', 'details.n'],
        ['{"action":"a","details":{"n":1e400}}', 'details.n'],
        ['{"action":"a\\ud800"}', 'action'],
        ['{"action":"a","actor":{"name":"\\udc00x"}}', 'actor.name'],
        ['{"action":"a","details":{"\\ud800":1}}', 'details.\ud800'],
        ['{"action":"a","details":{"k":1,"k":2}}', 'details.k'],
        ['{"action":"a","id":"x\\u0000"}', 'id'],
      ];
      for (const [body, field] of cases) assert.deepEqual(fieldsOf(await sendText(body)), [field], String(body));
      const invalidUtf8 = Buffer.concat([Buffer.from('{"action":"a","details":{"s":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}')]);
      assert.match(errorOf(await sendText(invalidUtf8), 400).message, /not valid UTF-8 \(at byte 30\)/);
      assert.equal(await count(), before);
    });

    it('refuses impossible or finer-than-millisecond times in occurred_at, and takes every real one', async () => {
      for (const bad of ['2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2024-01-01T24:00:00Z', '2024-13-01T00:00:00Z', '2016-12-31T23:59:60Z',
        '2024-01-01T00:00:00.1234Z', '2024-01-01T00:00Z', '1969-12-31T23:59:59.999Z']) {
        const response = await sendText(JSON.stringify({ action: 'a', occurred_at: bad }));
        assert.deepEqual(fieldsOf(response), ['0:occurred_at'], bad);
        assert.equal(errorOf(response, 400).code, 'invalid_event');
      }
      for (const good of ['2024-02-29T00:00:00Z', '2024-01-01T00:00:00.123000Z', '2024-01-01T14:00:00+14:00', '2024-01-01t00:00:00z']) {
        assert.equal((await sendText(JSON.stringify({ action: 'a', occurred_at: good }))).statusCode, 201, good);
      }
    });

    it('refuses impossible dates in the since and until filters instead of rolling them over', async () => {
      for (const [name, value] of [['since', '2024-02-30'], ['until', '2024-01-01T24:00:00Z'], ['since', '2023-02-29T00:00:00Z'], ['until', '2024-13-01']]) {
        assert.deepEqual(fieldsOf(await t.request({ method: 'GET', url: `/v1/events?${name}=${value}`, key })), [name], value);
      }
      assert.equal((await t.request({ method: 'GET', url: '/v1/events?since=2024-02-29&until=2024-03-01T00:00:00%2B14:00', key })).statusCode, 200);
    });

    it('answers a NUL byte in any id of a URL path with 400 naming the parameter, on every route that has one', async () => {
      const withIds = operations.filter((op) => op.path.includes('{'));
      assert.ok(withIds.length >= 12, `${withIds.length} routes with ids`);
      for (const op of withIds) {
        for (const junk of ['a%00b', '%00']) {
          const url = op.path.replace(/\{[^}]+\}/g, junk);
          const response = await t.request({ method: op.method as 'GET', url, key, ...(['POST', 'PUT'].includes(op.method) && { payload: {} }) });
          assert.ok(fieldsOf(response).length > 0, `${op.method} ${url}`);
        }
      }
    });

    it('refuses NUL and lone surrogates in the names of tenants, keys, saved searches and in schedule and viewer-token fields', async () => {
      for (const text of ['"a\\u0000b"', '"a\\ud800"']) {
        const cases: [string, string, string, string][] = [
          ['POST', '/v1/tenants', ADMIN_TOKEN, `{"name":${text}}`],
          ['POST', `/v1/tenants/${tenantId}/keys`, key, `{"name":${text},"scopes":["audit:read"]}`],
          ['POST', '/v1/saved-searches', key, `{"name":${text},"query":""}`],
          ['POST', '/v1/saved-searches', key, `{"name":"n","query":${text}}`],
          ['POST', '/v1/export-schedules', key, `{"frequency":"daily","format":"ndjson","directory":${text}}`],
          ['POST', '/v1/viewer-tokens', key, `{"filters":{"actor_id":${text}}}`],
        ];
        for (const [method, url, bearer, payload] of cases) {
          const response = await t.request({ method: method as 'POST', url, key: bearer, headers: json, payload });
          assert.ok(fieldsOf(response).length > 0, `${url} ${payload}`);
        }
      }
    });

    it('refuses a page token edited to numbers beyond what it can hold', async () => {
      await sendText('[{"action":"p"},{"action":"p"}]');
      const first = (await t.request({ method: 'GET', url: '/v1/events?action=p&limit=1', key })).json();
      const position = decodePageToken(first.next_page_token);
      for (const [time, seq] of [[position.occurredAt, 2 ** 70], [1e300, position.seq], [position.occurredAt, -1], [-1e20, position.seq]]) {
        const edited = Buffer.from(JSON.stringify([1, position.key, position.direction, time, seq, position.filters])).toString('base64url');
        const response = await t.request({ method: 'GET', url: `/v1/events?action=p&limit=1&page_token=${edited}`, key });
        assert.equal(errorOf(response, 400).code, 'invalid_page_token');
      }
    });

    it('refuses query parameters a route does not take, naming them, on every route', async () => {
      for (const op of operations) {
        const url = `${op.path.replace(/\{[^}]+\}/g, 'x')}?per_page=5&zz_not_a_parameter=1`;
        const response = await t.request({ method: op.method as 'GET', url, key, ...(['POST', 'PUT'].includes(op.method) && { payload: {} }) });
        assert.deepEqual(fieldsOf(response), ['per_page', 'zz_not_a_parameter'], `${op.method} ${url}`);
      }
      // The limit of the list is not a parameter of the export.
      const exported = await t.request({ method: 'GET', url: '/v1/events/export?format=csv&limit=2', key });
      assert.deepEqual(fieldsOf(exported), ['limit']);
    });

    it('refuses a query string that is not percent-encoded UTF-8 instead of searching for the raw text', async () => {
      for (const raw of ['q=%ff', 'actor_id=%ed%a0%80', 'q=50%', 'q=%zz']) {
        assert.deepEqual(fieldsOf(await t.request({ method: 'GET', url: `/v1/events?${raw}`, key })), [raw.split('=')[0]], raw);
      }
    });

    it('answers Fastify\'s own refusals in our shape: bad URL encoding, 414, 415, empty and unreadable bodies', async () => {
      errorOf(await t.request({ method: 'GET', url: '/v1/events/%ff%fe', key }), 400);
      errorOf(await t.request({ method: 'POST', url: `/v1/tenants/${'a'.repeat(1300)}/keys`, key, payload: {} }), 414);
      errorOf(await t.request({ method: 'POST', url: '/v1/events', key, headers: { 'content-type': 'text/plain' }, payload: 'hello' }), 415);
      errorOf(await t.request({ method: 'POST', url: '/v1/events', key, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1' }), 415);
      errorOf(await t.request({ method: 'POST', url: '/v1/events', key, headers: { 'content-type': 'application/json; charset=utf-16' }, payload: '{}' }), 415);
      errorOf(await t.request({ method: 'POST', url: '/v1/events', key, headers: { 'content-type': '(invalid' }, payload: '{}' }), 415);
      errorOf(await t.request({ method: 'POST', url: '/v1/events', key, headers: json, payload: '' }), 400);
      errorOf(await t.request({ method: 'POST', url: '/v1/events', key, headers: json, payload: '{"action":' }), 400);
      errorOf(await t.request({ method: 'GET', url: '/v1/events', headers: { cookie: 'stele_session=%ff' } }), 401);
    });

    it('answers what Node\'s HTTP parser refuses in our shape too: oversized headers, bad header bytes, bad framing, a short body', async () => {
      const rawText = async (text: string, status: number) => {
        const response = await sendRaw(port, Buffer.from(text, 'latin1'));
        return errorOf({ statusCode: response.status, body: response.body.toString('utf8') }, status);
      };
      const raw = (request: Parameters<typeof encodeRequest>[0], status: number) => rawText(encodeRequest(request).toString('latin1'), status);
      await raw({ method: 'GET', target: '/v1/events', headers: [['x-big', 'x'.repeat(20_000)]] }, 431);
      await raw({ method: 'GET', target: `/v1/events?q=${'x'.repeat(20_000)}` }, 431);
      await raw({ method: 'GET', target: '/v1/events', headers: [['authorization', 'Bearer a\u0000b']] }, 400);
      await raw({ method: 'GET', target: '/v1/ev ents' }, 400);
      await raw({ method: 'GET', target: '/v1/events\u00ff' }, 400);
      assert.deepEqual((await rawText('GET /healthz HTTP/1.1\r\nconnection: close\r\n\r\n', 400)).details, [{ field: 'host', message: 'missing' }]);
      await rawText('POST /v1/events HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', 400);
      await rawText('POST /v1/events HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}', 400);
      await rawText('GET / HTTP/9.9\r\nhost: x\r\n\r\n', 400);
      const short = encodeRequest({ method: 'POST', target: '/v1/events', headers: [['content-type', 'application/json'], ['authorization', `Bearer ${key}`], ['content-length', '100']], body: Buffer.from('{}') });
      const response = await sendRaw(port, Buffer.from(short.toString('latin1').replace('content-length: 2\r\n', ''), 'latin1'), { endInput: true });
      assert.ok(response.status === 400 || response.status === 408, `status ${response.status}`);
    });
  });
}
