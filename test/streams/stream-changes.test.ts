// Changing a stream while it delivers, on both engines: a pause, an edit (PUT) and a replay asked
// during a backlog take effect after the request in flight, not after the whole backlog; a pause,
// resume, replay and edit of one stream sent at the same moment each take effect; two PUTs at once
// leave one's settings, masked credentials and credentials together; one resume
// enables a stream that was both paused and disabled. Nothing is lost or sent out of order.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SteleError } from '../../src/domain/errors.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startHttpReceiver, waitFor, type HttpReceiver, type ReceivedRequest } from './http-receiver.js';

const ENV = { STELE_STREAM_RETRY_MAX_SECONDS: '1' };
/** Events of a backlog: eight webhook requests (at most 1,000 events each). */
const BACKLOG = 8000;
/** Each request answered this late, so that a backlog takes a while to go out. */
const SLOW = { status: 200, delayMs: 200 };
/** How long to watch for requests that should not come (a stream that stopped sends none, however long one waits). */
const QUIET_MS = 1500;

const seqsOf = (request: ReceivedRequest) => (JSON.parse(request.body) as { events: { seq: number }[] }).events.map((e) => e.seq);
const range = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, i) => first + i);
/** Every seq, in order of first arrival (a re-sent request may repeat some). */
const arrived = (requests: readonly ReceivedRequest[]) => [...new Set(requests.flatMap(seqsOf))];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const engine of ENGINES) {
  describe(`changing a stream while it delivers, on ${engine.name}`, { skip: engine.skip }, () => {
    let app: TestApp;
    let key: string;
    const receivers: HttpReceiver[] = [];
    before(async () => {
      app = await startTestApp(engine.name, ENV);
      ({ key } = await app.tenantWithKey(['events:write', 'audit:read', 'streams:manage']));
    });
    after(async () => {
      for (const receiver of receivers) await receiver.close();
      await app.close();
    });

    const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => app.request({ method, url, key, ...(payload && { payload }) });
    const receiver = async (reply: Parameters<typeof startHttpReceiver>[1]) => {
      const started = await startHttpReceiver(() => [], reply);
      receivers.push(started);
      return started;
    };
    const send = async (count: number, action: string) => {
      const events: { seq: number }[] = [];
      for (let sent = 0; sent < count; sent += 1000) {
        const response = await api('POST', '/v1/events', Array.from({ length: Math.min(1000, count - sent) }, () => ({ action })));
        assert.equal(response.statusCode, 201, response.body);
        events.push(...(response.json().events as { seq: number }[]));
      }
      return { first: events[0]!.seq, last: events.at(-1)!.seq };
    };
    const create = async (body: object) => {
      const created = await api('POST', '/v1/streams', body);
      assert.equal(created.statusCode, 201, created.body);
      return created.json() as { id: string };
    };
    const view = async (id: string) => (await api('GET', `/v1/streams/${id}`)).json();
    const ok = async (response: Promise<{ statusCode: number; body: string; json(): any }>) => {
      const answer = await response;
      assert.equal(answer.statusCode, 200, answer.body);
      return answer.json();
    };

    it('stops sending a backlog after the request in flight when paused, and resumes where it stopped', async () => {
      const rx = await receiver(() => SLOW);
      const { first, last } = await send(BACKLOG, 'backlog.pause');
      const stream = await create({ name: 'pause', type: 'webhook', config: { url: rx.url }, filter: { actions: ['backlog.pause'] }, start: first });
      await waitFor('the first request', () => rx.requests.length >= 1 || undefined);
      assert.equal((await ok(api('POST', `/v1/streams/${stream.id}/pause`))).state, 'paused');
      const atPause = rx.requests.length;
      await sleep(QUIET_MS);
      assert.ok(rx.requests.length <= atPause + 1, `${rx.requests.length - atPause} requests after the pause; at most the one in flight`);
      const paused = await view(stream.id);
      assert.equal(paused.state, 'paused');
      assert.ok(paused.cursor < last, 'the backlog is still there');
      assert.equal((await ok(api('POST', `/v1/streams/${stream.id}/resume`))).state, 'active');
      await waitFor('the rest of the backlog', async () => (await view(stream.id)).cursor >= last || undefined);
      assert.deepEqual(arrived(rx.requests), range(first, last), 'every event, in order');
    });

    it('sends the rest of a backlog to the new destination after the request in flight when the URL is changed', async () => {
      const before = await receiver(() => SLOW);
      const now = await receiver(() => ({ status: 200 }));
      const { first, last } = await send(BACKLOG, 'backlog.put');
      const stream = await create({ name: 'put', type: 'webhook', config: { url: before.url }, filter: { actions: ['backlog.put'] }, start: first });
      await waitFor('the first request', () => before.requests.length >= 1 || undefined);
      await ok(api('PUT', `/v1/streams/${stream.id}`, { name: 'put', type: 'webhook', config: { url: now.url }, filter: { actions: ['backlog.put'] } }));
      const atPut = before.requests.length;
      await waitFor('the rest of the backlog at the new URL', () => (now.requests.length > 0 && seqsOf(now.requests.at(-1)!).at(-1) === last) || undefined);
      assert.ok(before.requests.length <= atPut + 1, `${before.requests.length - atPut} requests to the old URL after the change; at most the one in flight`);
      assert.deepEqual(arrived([...before.requests, ...now.requests]), range(first, last), 'every event, in order, across the two');
    });

    it('applies a replay asked during a backlog before the next request', async () => {
      const rx = await receiver(() => SLOW);
      const { first, last } = await send(BACKLOG, 'backlog.replay');
      const stream = await create({ name: 'replay', type: 'webhook', config: { url: rx.url }, filter: { actions: ['backlog.replay'] }, start: first });
      await waitFor('two requests', () => rx.requests.length >= 2 || undefined);
      await ok(api('POST', `/v1/streams/${stream.id}/replay`, { from_seq: first }));
      const atReplay = rx.requests.length;
      const again = await waitFor('a request starting again at the replay point', () => {
        const index = rx.requests.findIndex((request, i) => i >= atReplay && seqsOf(request)[0] === first);
        return index >= 0 ? index : undefined;
      });
      assert.ok(again <= atReplay + 1, `the replay began ${again - atReplay} requests after it was asked; at most the one in flight comes first`);
      await waitFor('the replayed backlog', async () => (rx.requests.length > again && seqsOf(rx.requests.at(-1)!).at(-1) === last) || undefined);
      assert.deepEqual(arrived(rx.requests.slice(again)), range(first, last), 'every event again, in order');
    });

    it('applies a pause, a resume, a replay and an edit of one stream sent at the same moment, none lost', async () => {
      const rx = await receiver(() => ({ status: 200 }));
      // Sent before the streams exist: a replay is the only way they reach one.
      const old = await send(2, 'race.old');
      const replayedAt = async (...paths: string[]) => waitFor(`the replayed events at ${paths.join(' or ')}`, () => rx.requests.some((r) => paths.includes(r.url) && seqsOf(r).includes(old.last)) || undefined);
      const stream = (name: string) => create({ name, type: 'webhook', config: { url: `${rx.url}/${name}` }, filter: { actions: ['race.old'] } });
      const put = (id: string, name: string) => ok(api('PUT', `/v1/streams/${id}`, { name, type: 'webhook', config: { url: `${rx.url}/${name}` }, filter: { actions: ['race.old'] } }));
      const replay = (id: string) => ok(api('POST', `/v1/streams/${id}/replay`, { from_seq: old.first }));
      const pause = (id: string) => ok(api('POST', `/v1/streams/${id}/pause`));
      const resume = (id: string) => ok(api('POST', `/v1/streams/${id}/resume`));

      for (let round = 0; round < 5; round++) {
        // Pause and replay an active stream: it stays paused, and once resumed the replay goes out.
        const a = await stream(`a${round}`);
        await Promise.all([pause(a.id), replay(a.id)]);
        assert.equal((await view(a.id)).state, 'paused', 'the pause was kept');
        await resume(a.id);
        await replayedAt(`/a${round}`);

        // Edit and pause an active stream: both hold.
        const b = await stream(`b${round}`);
        await Promise.all([put(b.id, `b${round}x`), pause(b.id)]);
        const edited = await view(b.id);
        assert.deepEqual([edited.state, edited.name], ['paused', `b${round}x`], 'the pause and the edit were kept');

        // Edit and replay a paused stream: both hold (the replay waits, shown as pending).
        await Promise.all([put(b.id, `b${round}y`), replay(b.id)]);
        const replayed = await view(b.id);
        assert.deepEqual([replayed.state, replayed.name], ['paused', `b${round}y`]);
        assert.notEqual(replayed.replay_pending, null, 'the replay was kept');

        // Resume and edit it: it is active, renamed, and the replay goes out (to the URL of the moment).
        await Promise.all([resume(b.id), put(b.id, `b${round}z`)]);
        const resumed = await view(b.id);
        assert.deepEqual([resumed.state === 'paused', resumed.name], [false, `b${round}z`], 'the resume and the edit were kept');
        await replayedAt(`/b${round}y`, `/b${round}z`);
      }
    });

    it('keeps one PUT\'s settings, masked token and token together when two PUTs change a stream at once', async () => {
      const hec = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"text":"Success","code":0}' };
      const rx = await receiver(() => hec);
      const config = (side: string, round: number) => ({ url: `${rx.url}/${side}`, token: `token-${side}-${round}-${side === 'a' ? '1111' : '2222'}`, index: 'audit' });
      const stream = await create({ name: 'hec', type: 'splunk_hec', config: config('a', -1), filter: { actions: ['hec.none'] } });
      const put = (side: string, round: number) => ok(api('PUT', `/v1/streams/${stream.id}`, { name: `hec-${side}`, type: 'splunk_hec', config: config(side, round), filter: { actions: ['hec.none'] } }));
      for (let round = 0; round < 16; round++) {
        await Promise.all([put('a', round), put('b', round)]);
        const now = await view(stream.id);
        const side = now.name.slice(-1);
        assert.equal(now.config.url, `${rx.url}/${side}`, 'the name and the URL of one PUT');
        assert.equal(now.config.token, `••••${config(side, round).token.slice(-4)}`, `round ${round}: the masked token of the PUT whose URL it has`);
        const tested = await ok(api('POST', `/v1/streams/${stream.id}/test`));
        assert.equal(tested.ok ?? true, true, JSON.stringify(tested));
        const sent = rx.requests.at(-1)!;
        assert.equal(sent.url, `/${side}/services/collector/event`);
        assert.equal(sent.headers.authorization, `Splunk ${config(side, round).token}`, `round ${round}: the token of the PUT whose URL it has`);
      }
    });

    it('enables a stream that was disabled and then paused with one resume', async () => {
      let status = 410;
      const rx = await receiver(() => ({ status }));
      const stream = await create({ name: 'gone', type: 'webhook', config: { url: rx.url }, filter: { actions: ['gone.test'] } });
      const { last } = await send(1, 'gone.test');
      await waitFor('the 410 to disable it', async () => (await view(stream.id)).state === 'disabled' || undefined);
      status = 200;
      assert.equal((await ok(api('POST', `/v1/streams/${stream.id}/pause`))).state, 'paused');
      assert.equal((await ok(api('POST', `/v1/streams/${stream.id}/resume`))).state, 'active', 'one resume enables it');
      await waitFor('delivery after the resume', async () => (await view(stream.id)).cursor >= last || undefined);
      const resumed = (await api('GET', '/v1/events?action=stream.resumed')).json().events.filter((e: { target: { id: string } }) => e.target.id === stream.id);
      assert.equal(resumed.length, 1);
      assert.match(String(resumed[0].details.was_disabled), /410/, 'the resume says it enabled a disabled stream');
    });
  });

  describe(`a PUT that dies between a stream's credentials and its settings, on ${engine.name}`, { skip: engine.skip }, () => {
    // The store fails the stream record's compare-and-set while `dying` is set (as the database
    // going away does): to the stream, the request wrote its credentials and then never wrote its
    // settings, as when its process dies there.
    let dying = false;
    let app: TestApp;
    let rx: HttpReceiver;
    before(async () => {
      app = await startTestApp(engine.name, ENV, undefined, undefined, {
        wrapStore: (store) => ({
          ...store,
          updateRecordIf: (key, body, now, expected) => {
            if (dying && key.kind === 'stream') return Promise.reject(new SteleError('unavailable', 'the database went away here'));
            return store.updateRecordIf(key, body, now, expected);
          },
        }),
      });
      rx = await startHttpReceiver(() => [], () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"text":"Success","code":0}' }));
    });
    after(async () => {
      await rx.close();
      await app.close();
    });

    it('leaves the URL and the token of one request together, and deleting the stream removes every version of its credentials', async () => {
      const { tenantId, key } = await app.tenantWithKey(['streams:manage']);
      const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => app.request({ method, url, key, ...(payload && { payload }) });
      const hec = (side: string) => ({ name: `hec-${side}`, type: 'splunk_hec', config: { url: `${rx.url}/${side}`, token: `token-${side}-0000${side === 'old' ? '1111' : '2222'}` }, filter: { actions: ['hec.none'] } });
      const created = await api('POST', '/v1/streams', hec('old'));
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id as string;

      dying = true;
      const died = await api('PUT', `/v1/streams/${id}`, hec('new'));
      dying = false;
      assert.equal(died.statusCode, 503, 'the request did not finish');

      const now = (await api('GET', `/v1/streams/${id}`)).json();
      assert.equal(now.config.url, `${rx.url}/old`);
      assert.equal(now.config.token, '••••1111');
      const tested = await api('POST', `/v1/streams/${id}/test`);
      assert.equal(tested.statusCode, 200, tested.body);
      assert.equal(rx.requests.at(-1)!.url, '/old/services/collector/event');
      assert.equal(rx.requests.at(-1)!.headers.authorization, 'Splunk token-old-00001111', 'the token of the request whose URL it has');

      const put = await api('PUT', `/v1/streams/${id}`, hec('new'));
      assert.equal(put.statusCode, 200, put.body);
      assert.equal((await api('POST', `/v1/streams/${id}/test`)).statusCode, 200);
      assert.equal(rx.requests.at(-1)!.headers.authorization, 'Splunk token-new-00002222');

      const secrets = () => app.db.store.listRecords('stream_secrets', tenantId);
      assert.equal((await secrets()).length, 2, 'the one in use, and the one the dead request left');
      assert.equal((await api('DELETE', `/v1/streams/${id}`)).statusCode, 204);
      assert.deepEqual(await secrets(), [], 'none left once the stream is deleted');
    });
  });

  describe(`credentials replaced while a stream opens its destination, on ${engine.name}`, { skip: engine.skip }, () => {
    // Delivery on the serving thread, whose store this test wraps: the first time anything reads
    // `armed`'s credentials record, another PUT replaces those credentials (and removes the record)
    // before the read goes on, as when the stream's runner read the stream just before that PUT.
    let armed: string | undefined;
    let replace: (() => Promise<void>) | undefined;
    let app: TestApp;
    let rx: HttpReceiver;
    before(async () => {
      app = await startTestApp(engine.name, { ...ENV, STELE_STREAM_THREAD: 'off' }, undefined, undefined, {
        wrapStore: (store) => ({
          ...store,
          getRecord: async (key) => {
            if (armed !== undefined && key.kind === 'stream_secrets' && key.id.startsWith(`${armed}.`) && replace) {
              const run = replace;
              replace = undefined;
              await run();
            }
            return store.getRecord(key);
          },
        }) as typeof store,
      });
      rx = await startHttpReceiver(() => [], () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"text":"Success","code":0}' }));
    });
    after(async () => {
      await rx.close();
      await app.close();
    });

    it('starts its next pass from the stream as it is now, with no failure recorded', async () => {
      const { key } = await app.tenantWithKey(['events:write', 'streams:manage', 'audit:read']);
      const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => app.request({ method, url, key, ...(payload && { payload }) });
      const hec = (side: string) => ({ name: `hec-${side}`, type: 'splunk_hec', config: { url: `${rx.url}/${side}`, token: `token-${side}-000000${side.length}` }, filter: { actions: ['hec.sent'] } });
      const created = await api('POST', '/v1/streams', hec('a'));
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id as string;
      const delivered = async (side: string, token: string) => {
        assert.equal((await api('POST', '/v1/events', [{ action: 'hec.sent' }])).statusCode, 201);
        const request = await waitFor(`an event at /${side}`, () => rx.requests.find((r) => r.url === `/${side}/services/collector/event`) ?? undefined);
        assert.equal(request.headers.authorization, `Splunk ${token}`);
      };
      await delivered('a', 'token-a-0000001');

      // PUT b: the runner opens b's credentials at its next pass; just before it reads them, PUT cc replaces them.
      armed = id;
      let replaced = false;
      replace = async () => {
        const put = await api('PUT', `/v1/streams/${id}`, hec('cc'));
        assert.equal(put.statusCode, 200, put.body);
        replaced = true;
      };
      assert.equal((await api('PUT', `/v1/streams/${id}`, hec('b'))).statusCode, 200);
      await delivered('cc', 'token-cc-0000002');
      assert.ok(replaced, 'the runner read the replaced credentials');
      assert.equal(rx.requests.filter((r) => r.url.startsWith('/b/')).length, 0, 'nothing went to the URL of the replaced PUT');
      const now = (await api('GET', `/v1/streams/${id}`)).json();
      assert.equal(now.failures, 0);
      assert.equal(now.last_error, null, 'no failure recorded for the credentials that went away');
    });
  });
}
