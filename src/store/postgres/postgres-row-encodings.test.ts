// PostgreSQL's encoding of export rows (COPY) against the JavaScript encoders, on a real server:
// the same events read through findEvents and encoded by formats/csv.ts and ndjson.ts must give
// the same bytes; every kind of condition must select the same events; hostile values inlined
// into the COPY statement stay data; a reader that stops early stops the backend.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import type { JsonObject, NewEvent } from '../../domain/event.js';
import { encodeCsvRow, CSV_COLUMNS } from '../../export/formats/csv.js';
import { encodeNdjsonLine } from '../../export/formats/ndjson.js';
import { HOSTILE_STRINGS } from '../../export/formats/testing/events.js';
import { sealEvents } from '@stele/integrity';
import { iterateEvents } from '../../query/event-iterator.js';
import { compileFilters, type EventFilters } from '../../query/event-filters.js';
import { compileQuery, parseQuery } from '../../query/search/index.js';
import { and, eq, inList, startsWith, TRUE, type Sql } from '../../sql/fragments.js';
import type { Store, StoreRowEncoding } from '../port.js';
import { AWKWARD_DETAILS, pendingEvent } from '../testing/fixtures.js';
import { openTestStore, POSTGRES_SKIP_REASON, type TestStore } from '../testing/test-stores.js';
import { postgresDialect } from './postgres-dialect.js';
import { openPostgresStore } from './postgres-store.js';

const NOW = Date.parse('2026-05-02T00:00:00.000Z');

// HOSTILE_STRINGS, plus the full-width formula starts it does not have.
const HOSTILE = [...HOSTILE_STRINGS, '＋1', '－1', '＠cmd'];

function hostileEvents(): Partial<NewEvent>[] {
  return HOSTILE.map((value, i) => ({
    id: `${value}#${i}`,
    action: value === '' ? 'x' : value,
    category: value === '' ? 'custom' : value,
    occurred_at: new Date(Date.parse('2026-05-01T12:00:00.000Z') + i * 10).toISOString(),
    actor: { id: value, type: value, email: value, name: value, role: value },
    target: { type: value, id: value, name: value, slug: value, version: value, url: value },
    context: { ip: value, user_agent: value, location: value, request_id: value, session_id: value, api_key_id: value, method: value, url: value, http_status: 200 + i },
    ...(i % 2 === 0 ? {} : { geo: { country: value } }),
    ...(i % 3 === 0 ? {} : { success: i % 3 === 1 }),
    details: { note: value, [value]: [value, null, 1.5, -2, true], nested: { deep: value } },
  }));
}

function plainEvents(): Partial<NewEvent>[] {
  return Array.from({ length: 60 }, (_, i) => ({
    action: ['user.login', 'user.logout', 'document.viewed', 'member.role_changed'][i % 4]!,
    occurred_at: new Date(NOW - (60 - i) * 3_600_000).toISOString(),
    actor: { id: `user_${i % 7}`, email: `user${i % 7}@example.com`, type: 'user' },
    target: { type: i % 2 ? 'document' : 'user', id: `target_${i % 5}`, slug: `t-${i % 5}`, name: i % 4 ? 'doc_ment' : 'doc%ment' },
    context: { ip: i % 3 ? `10.0.${i}.1` : `2001:db8::${i}`, http_status: [200, 404, 500][i % 3]!, method: 'GET' },
    ...(i % 4 === 0 ? { geo: { country: 'DE' } } : {}),
    success: i % 5 !== 0,
    details: (i % 2 ? { to_role: i % 4 === 1 ? 'admin' : 'viewer', n: i } : { attempt: i }) as JsonObject,
  }));
}

async function append(store: Store, tenantId: string, events: Partial<NewEvent>[]): Promise<void> {
  for (let i = 0; i < events.length; i += 500) await store.appendEvents(tenantId, events.slice(i, i + 500).map((e) => pendingEvent(e)), sealEvents);
}

async function viaJavaScript(store: Store, tenantId: string, where: Sql, encoding: StoreRowEncoding): Promise<string> {
  let text = '';
  for await (const event of iterateEvents(store, tenantId, { where })) text += encoding === 'csv' ? encodeCsvRow(event) : encodeNdjsonLine(event);
  return text;
}

async function viaDatabase(store: Store, tenantId: string, where: Sql, encoding: StoreRowEncoding) {
  const parts: Buffer[] = [];
  const tally = { rows: 0, firstSeq: 0, lastSeq: 0 };
  for await (const run of store.encodeEventRows!(tenantId, where, encoding)) {
    parts.push(Buffer.from(run.bytes));
    tally.rows += run.rows;
    tally.firstSeq ||= run.firstSeq;
    tally.lastSeq = run.lastSeq;
  }
  return { text: Buffer.concat(parts).toString('utf8'), ...tally };
}

describe('PostgreSQL-encoded export rows', { skip: POSTGRES_SKIP_REASON }, () => {
  let db: TestStore;
  let store: Store;
  const tenant = 'tenant-a';
  const other = "tenant-b' OR '1'='1";

  before(async () => {
    db = await openTestStore('postgres');
    store = db.store;
    for (const id of [tenant, other]) await store.createTenant({ id, name: id, created_at: new Date(NOW).toISOString() });
    await append(store, tenant, [...hostileEvents(), ...AWKWARD_DETAILS.map((details) => ({ details })), { action: 'bare.event' }, ...plainEvents()]);
    await append(store, other, plainEvents());
  });
  after(() => db?.close());

  it('writes the CSV rows csv.ts writes, byte for byte, for hostile events', async () => {
    const expected = await viaJavaScript(store, tenant, TRUE, 'csv');
    const actual = await viaDatabase(store, tenant, TRUE, 'csv');
    assert.equal(actual.text, expected);
    const rows = parse(actual.text, { relax_column_count: false }) as string[][];
    const events = [];
    for await (const event of iterateEvents(store, tenant, { where: TRUE })) events.push(event);
    assert.equal(rows.length, events.length);
    for (const [i, row] of rows.entries()) {
      assert.equal(row.length, CSV_COLUMNS.length);
      const unquote = (cell: string) => (cell.startsWith("'") ? cell.slice(1) : cell);
      assert.equal(unquote(row[CSV_COLUMNS.indexOf('id')]!), events[i]!.id);
      assert.equal(unquote(row[CSV_COLUMNS.indexOf('user_agent')]!), events[i]!.context?.user_agent ?? '');
      assert.ok(!/^[=+\-@\t\r]/.test(row[CSV_COLUMNS.indexOf('actor_email')]!), 'no cell starts a formula');
      const details = row[CSV_COLUMNS.indexOf('details')]!;
      assert.deepEqual(details === '' ? undefined : JSON.parse(unquote(details)), events[i]!.details);
    }
  });

  it('writes the NDJSON lines ndjson.ts writes, byte for byte, which read back as the stored events', async () => {
    const expected = await viaJavaScript(store, tenant, TRUE, 'ndjson');
    const actual = await viaDatabase(store, tenant, TRUE, 'ndjson');
    assert.equal(actual.text, expected);
    const events = [];
    for await (const event of iterateEvents(store, tenant, { where: TRUE })) events.push(event);
    assert.deepEqual(actual.text.split('\n').slice(0, -1).map((line) => JSON.parse(line)), events);
  });

  it('writes any details exactly as JSON.stringify does after reading them back', async () => {
    const tenantId = 'tenant-random-details';
    await store.createTenant({ id: tenantId, name: tenantId, created_at: new Date(NOW).toISOString() });
    // jsonb refuses NUL and lone surrogates, and ingest refuses NUL, so no event can carry them.
    const text = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\u0000'));
    const key = fc.oneof(text, fc.constantFrom('0', '1', '10', '4294967294', '4294967295', '01', '-1', '1.5', ''));
    const leaf = fc.oneof(text, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null));
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 5 })),
    }));
    const details = fc.sample(fc.dictionary(key, value, { maxKeys: 6 }), { numRuns: 400, seed: 6 }) as JsonObject[];
    await append(store, tenantId, details.map((d) => ({ details: d })));
    for (const encoding of ['csv', 'ndjson'] as const) {
      assert.equal((await viaDatabase(store, tenantId, TRUE, encoding)).text, await viaJavaScript(store, tenantId, TRUE, encoding));
    }
  });

  it('counts the rows and reads the first and last seq', async () => {
    const where = and([inList('action', ['user.login', 'user.logout'])]);
    for (const encoding of ['csv', 'ndjson'] as const) {
      const { rows, firstSeq, lastSeq } = await viaDatabase(store, tenant, where, encoding);
      const seqs: number[] = [];
      for await (const event of iterateEvents(store, tenant, { where })) seqs.push(event.seq);
      assert.deepEqual({ rows, firstSeq, lastSeq }, { rows: seqs.length, firstSeq: seqs[0], lastSeq: seqs.at(-1) });
    }
  });

  it('selects what findEvents selects for every filter and search-language shape', async () => {
    const filters: EventFilters[] = [
      { action: ['user.login'] }, { action: ['user.*', 'document.viewed'] }, { category: ['authentication'] },
      { actor_id: ['user_1', 'user_2'] }, { actor_email: ['user3@example.com'] }, { target_type: ['document'] },
      { target_id: ['target_1'] }, { target_slug: ['t-2'] }, { success: true }, { success: false },
      { ip: '10.0.5.1' }, { ip: '10.0.0.0/16' }, { ip: '2001:db8::/32' }, { ip: '2001:db8::3' },
      { since: 'now-24h' }, { until: '2026-05-01T20:00:00Z' }, { since: 'now-48h', until: 'now-12h', action: ['user.*'] },
    ];
    const queries = [
      'action:user.*', 'actor:user_3', 'actor.email:user4@example.com', 'details.to_role:admin', 'details.n:41', 'details.attempt:*',
      'ip:10.0.0.0/8', 'ip:2001:db8::/32', 'time:>now-24h', 'time:2026-05-01', 'seq:>20', 'seq:<=5', 'http_status:>=500',
      'NOT success:true', '-actor.type:user', '(action:user.login OR action:document.viewed) AND success:true', 'user_5',
      'target.name:doc%ment', 'target.name:doc_m*', 'target.name:doc*ment', 'details.note:*\\\\*', 'session_id:*',
      'actor.name:"say \\"hi\\", then leave"', 'actor.id:\\\\',
    ];
    const conditions: Sql[] = [
      ...filters.map((f) => compileFilters(f, NOW)),
      ...queries.map((q) => compileQuery(parseQuery(q), { dialect: postgresDialect, now: NOW })),
      startsWith('actor_id', '=1'), eq('actor_email', "'already quoted"),
    ];
    for (const [i, where] of conditions.entries()) {
      const expected: number[] = [];
      for await (const event of iterateEvents(store, tenant, { where })) expected.push(event.seq);
      const { text } = await viaDatabase(store, tenant, where, 'ndjson');
      assert.deepEqual(text.split('\n').slice(0, -1).map((line) => JSON.parse(line).seq), expected, `condition ${i}: ${where.text}`);
    }
  });

  it('inlines hostile values as data: they select what they select in JavaScript, drop nothing, read no other tenant', async () => {
    const hostile = ["'", '\\', "\\'", '$$', '$1', '?', "'; DROP TABLE events; --", "' OR '1'='1", "E'\\x27' OR TRUE --", '*/ OR TRUE /*', '\u2028\u0085'];
    const before = await db.raw('SELECT count(*)::int AS n FROM events');
    for (const value of hostile) {
      for (const where of [inList('actor_id', [value, 'x']), startsWith('target_id', value), compileQuery(parseQuery(`actor:${JSON.stringify(value)}`), { dialect: postgresDialect, now: NOW })]) {
        assert.equal((await viaDatabase(store, tenant, where, 'csv')).text, await viaJavaScript(store, tenant, where, 'csv'), `${value} in ${where.text}`);
      }
      assert.equal((await viaDatabase(store, value, TRUE, 'csv')).rows, 0, `tenant ${value}`);
    }
    assert.deepEqual(await db.raw('SELECT count(*)::int AS n FROM events'), before);
    // The other tenant's id is itself an injection attempt; it reads its own events and only those.
    const { text } = await viaDatabase(store, other, TRUE, 'ndjson');
    const tenants = new Set(text.split('\n').slice(0, -1).map((line) => JSON.parse(line).tenant_id));
    assert.deepEqual([...tenants], [other]);
  });

  it('refuses a NUL in a condition instead of sending a statement cut short', async () => {
    const iterator = store.encodeEventRows!(tenant, eq('actor_id', 'a\u0000b'), 'csv')[Symbol.asyncIterator]();
    await assert.rejects(iterator.next(), { code: 'invalid_request' });
  });

  describe('stopping early', () => {
    const bigTenant = 'tenant-big';
    // pg_stat_activity shows the first 1 kB of a statement, which is the select list of the encoding.
    const copying = async () => (await db.raw(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE ? AND pid <> pg_backend_pid()",
      ['COPY (\nSELECT %'],
    ))[0]!.n as number;
    const gone = async () => {
      for (let i = 0; i < 200 && (await copying()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      return (await copying()) === 0;
    };

    before(async () => {
      await store.createTenant({ id: bigTenant, name: bigTenant, created_at: new Date(NOW).toISOString() });
      // About 12 MB of CSV: more than the socket buffers hold, so the backend blocks on a reader that stops.
      await append(store, bigTenant, Array.from({ length: 12_000 }, (_, i) => ({ details: { padding: 'x'.repeat(900), i } })));
    });

    it('terminates the backend when the reader stops iterating', async () => {
      for await (const run of store.encodeEventRows!(bigTenant, TRUE, 'csv')) {
        assert.ok(run.rows > 0);
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(await copying(), 1, 'the COPY is running, blocked on the reader');
        break;
      }
      assert.ok(await gone(), 'no COPY left running');
      await store.ping();
    });

    it('reads on connections of its own, so a download nobody reads leaves the store free', async () => {
      const narrow = openPostgresStore({ connectionString: db.location.databaseUrl!, schema: db.location.pgSchema!, maxConnections: 1 });
      try {
        const iterator = narrow.encodeEventRows!(bigTenant, TRUE, 'csv')[Symbol.asyncIterator]();
        assert.equal((await iterator.next()).done, false);
        const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('the store waited for the download')), 5000).unref());
        assert.equal(await Promise.race([narrow.countEvents(bigTenant, TRUE), timeout]), 12_000);
        await iterator.return!();
        assert.ok(await gone(), 'no COPY left running');
      } finally {
        await narrow.close();
      }
    });

    it('terminates the backend when the signal aborts', async () => {
      const abort = new AbortController();
      const iterator = store.encodeEventRows!(bigTenant, TRUE, 'ndjson', abort.signal)[Symbol.asyncIterator]();
      assert.equal((await iterator.next()).done, false);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(await copying(), 1, 'the COPY is running, blocked on the reader');
      abort.abort(new Error('client went away'));
      await assert.rejects(async () => { while (!(await iterator.next()).done); }, /client went away/);
      assert.ok(await gone(), 'no COPY left running');
    });
  });
});
