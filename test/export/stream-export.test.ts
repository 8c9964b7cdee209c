import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { parseCef } from '../../src/export/formats/testing/cef-parser.js';
import { parseLeef } from '../../src/export/formats/testing/leef-parser.js';
import { HOSTILE_STRINGS } from '../../src/export/formats/testing/events.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { startTestBed, type TestBed } from './export-test-bed.js';

// Hostile text in every free-text field ingest accepts; `id` stays plain so rows can be matched.
const hostile = HOSTILE_STRINGS.filter((v) => v.trim() !== '').map((value, i) => ({
  id: `hostile-${i}`,
  action: 'document.shared',
  actor: { id: `user_${i}`, name: value, email: value },
  target: { type: 'document', name: value, slug: value },
  context: { ip: '2001:db8::1', user_agent: value, request_id: value },
  success: i % 2 === 0,
  details: { note: value, [value]: [value] },
}));

const lines = (text: string) => text.split('\n').filter(Boolean);
const unquote = (cell: string) => (cell.startsWith("'") ? cell.slice(1) : cell);

for (const engine of ENGINES) {
  describe(`GET /v1/events/export on ${engine.name}`, { skip: engine.skip }, () => {
    let bed: TestBed;
    let key: string;
    let tenantId: string;
    /** The log's size before the hostile events: it starts with the tenant's and its key's creation. */
    let base: number;
    const exportOf = (query: string, k = key) => bed.request({ method: 'GET', url: `/v1/events/export?${query}`, key: k });

    before(async () => {
      bed = await startTestBed(engine.name, { STELE_EXPORT_MAX_ROWS: '25000' });
      ({ key, tenantId } = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export']));
      base = (await bed.db.store.getHead(tenantId)).size;
      await bed.ingest(key, hostile);
    });
    after(() => bed.close());

    it('exports CSV that csv-parse reads back, formulas neutralised and reversible', async () => {
      const response = await exportOf('format=csv&action=document.shared');
      assert.equal(response.statusCode, 200);
      assert.match(response.headers['content-type'] as string, /^text\/csv; charset=utf-8/);
      assert.match(response.headers['content-disposition'] as string, /^attachment; filename="stele-[\w-]+-\d{8}T\d{6}Z\.csv"$/);
      const [header, ...rows] = parse(response.body) as string[][];
      assert.equal(rows.length, hostile.length);
      const column = (name: string) => header!.indexOf(name);
      for (const [i, row] of rows.entries()) {
        assert.equal(row[column('id')], hostile[i]!.id);
        assert.equal(unquote(row[column('user_agent')]!), hostile[i]!.context.user_agent);
        assert.ok(!/^[=+\-@\t\r]/.test(row[column('user_agent')]!), 'no cell starts a formula');
        assert.deepEqual(JSON.parse(unquote(row[column('details')]!)), hostile[i]!.details);
      }
    });

    it('exports NDJSON and JSON with every stored field, hashes included', async () => {
      const ndjson = await exportOf('format=ndjson&action=document.shared');
      assert.match(ndjson.headers['content-type'] as string, /^application\/x-ndjson/);
      const events = lines(ndjson.body).map((l) => JSON.parse(l));
      const json = await exportOf('format=json&action=document.shared');
      assert.deepEqual(JSON.parse(json.body), events);
      assert.deepEqual(events.map((e) => e.seq), hostile.map((_, i) => base + i + 1));
      for (const [i, event] of events.entries()) {
        assert.equal(event.tenant_id, tenantId);
        assert.match(event.leaf_hash, /^[0-9a-f]{64}$/);
        assert.match(event.chain_hash, /^[0-9a-f]{64}$/);
        assert.deepEqual(event.actor, hostile[i]!.actor);
        assert.deepEqual(event.details, hostile[i]!.details);
      }
    });

    it('exports CEF and LEEF lines that the strict spec readers accept', async () => {
      const cef = lines((await exportOf('format=cef&action=document.shared')).body).map(parseCef);
      assert.equal(cef.length, hostile.length);
      for (const [i, record] of cef.entries()) {
        const fields = new Map(record.extension);
        assert.equal(fields.get('externalId'), hostile[i]!.id);
        assert.equal(fields.get('requestClientApplication'), hostile[i]!.context.user_agent);
        assert.deepEqual(JSON.parse(fields.get('cs6')!), hostile[i]!.details);
      }
      const leef = lines((await exportOf('format=leef&action=document.shared')).body).map(parseLeef);
      assert.equal(leef.length, hostile.length);
      assert.deepEqual(leef.map((r) => new Map(r.attributes).get('auditId')), hostile.map((e) => e.id));
    });

    it('exports OCSF objects with the attributes every class requires', async () => {
      const objects = lines((await exportOf('format=ocsf&action=document.shared')).body).map((l) => JSON.parse(l));
      assert.equal(objects.length, hostile.length);
      for (const object of objects) {
        for (const field of ['activity_id', 'category_uid', 'class_uid', 'metadata', 'severity_id', 'time', 'type_uid']) assert.ok(field in object, field);
        assert.equal(object.type_uid, object.class_uid * 100 + object.activity_id);
      }
    });

    it('applies the filters of GET /v1/events', async () => {
      const events = lines((await exportOf('format=ndjson&action=document.*&success=false')).body).map((l) => JSON.parse(l));
      assert.deepEqual(events.map((e) => e.id), hostile.filter((e) => !e.success).map((e) => e.id));
      const bad = await exportOf('format=ndjson&ip=not-an-ip');
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.details[0].field, 'ip');
    });

    it('takes the search language in q, ANDed with the filters', async () => {
      const q = encodeURIComponent('action:document.shared AND NOT success:true');
      const events = lines((await exportOf(`format=ndjson&q=${q}`)).body).map((l) => JSON.parse(l));
      assert.deepEqual(events.map((e) => e.id), hostile.filter((e) => !e.success).map((e) => e.id));
      assert.equal((await exportOf(`format=ndjson&q=${q}&success=true`)).headers['x-stele-row-count'], '0');
      assert.equal((await exportOf('format=ndjson&q=%28%28')).statusCode, 400);
    });

    it('takes a saved search, ANDed with q and the filters, and refuses an unknown one', async () => {
      const saved = await bed.request({ method: 'POST', url: '/v1/saved-searches', key, payload: { name: 'failures', query: 'success:false', filters: { action: ['document.*'] } } });
      assert.equal(saved.statusCode, 201);
      const id = saved.json().id as string;
      for (const format of ['csv', 'ndjson'] as const) {
        const response = await exportOf(`format=${format}&saved_search=${id}`);
        assert.equal(response.statusCode, 200);
        assert.equal(response.headers['x-stele-row-count'], String(hostile.filter((e) => !e.success).length));
      }
      const ids = lines((await exportOf(`format=ndjson&saved_search=${id}&q=${encodeURIComponent('actor.id:user_1')}`)).body).map((l) => JSON.parse(l).id);
      assert.deepEqual(ids, hostile.filter((e) => !e.success && e.actor.id === 'user_1').map((e) => e.id));
      assert.equal((await exportOf('format=csv&saved_search=nope')).statusCode, 404);
    });

    it('records audit.exported for CSV and NDJSON with the row count and the first and last seq', async () => {
      for (const format of ['csv', 'ndjson'] as const) {
        await exportOf(`format=${format}&action=document.shared&success=false`);
        const feed = await bed.request({ method: 'GET', url: '/v1/events/feed?action=audit.exported&limit=1000', key });
        const failed = hostile.map((e, i) => ({ ...e, seq: base + i + 1 })).filter((e) => !e.success);
        assert.deepEqual(feed.json().events.at(-1).details, {
          kind: 'stream', format, filters: { action: ['document.shared'], success: false },
          row_count: failed.length, first_seq: failed[0]!.seq, last_seq: failed.at(-1)!.seq, completed: true,
        });
      }
    });

    it('refuses an unknown format and a key without audit:export', async () => {
      assert.equal((await exportOf('format=xml')).statusCode, 400);
      assert.equal((await exportOf('action=x')).statusCode, 400);
      const reader = await bed.tenantWithKey(['audit:read']);
      assert.equal((await exportOf('format=csv', reader.key)).statusCode, 403);
    });

    it('records audit.exported with the filters, format and row count', async () => {
      await exportOf('format=leef&action=document.shared&success=true');
      const feed = await bed.request({ method: 'GET', url: '/v1/events/feed?action=audit.exported&limit=1000', key });
      const last = feed.json().events.at(-1);
      assert.equal(last.action, 'audit.exported');
      assert.equal(last.actor.type, 'api_key');
      assert.deepEqual(last.details, {
        kind: 'stream', format: 'leef', filters: { action: ['document.shared'], success: true },
        row_count: hostile.filter((e) => e.success).length, first_seq: base + 1, last_seq: base + hostile.length - (hostile.length % 2 === 0 ? 1 : 0), completed: true,
      });
    });

    it('streams 20,000 rows page by page, and answers 422 over the cap before sending any row', async () => {
      const bulk = Array.from({ length: 20_000 }, (_, i) => ({ action: 'file.downloaded', actor: { id: `u${i % 50}` }, details: { i } }));
      await bed.ingest(key, bulk);
      const started = performance.now();
      const response = await exportOf('format=csv&action=file.downloaded');
      const seconds = (performance.now() - started) / 1000;
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['x-stele-row-count'], '20000');
      const rows = (parse(response.body) as string[][]).slice(1);
      assert.equal(rows.length, 20_000);
      const seqs = rows.map((r) => Number(r[2]));
      assert.deepEqual(seqs, seqs.map((_, i) => seqs[0]! + i), 'every row once, in seq order');
      console.log(`  ${engine.name}: 20,000-row CSV export in ${seconds.toFixed(2)} s (${Math.round(20_000 / seconds)} rows/s through inject)`);

      await bed.ingest(key, bulk.slice(0, 5001));
      const over = await exportOf('format=csv&action=file.downloaded');
      assert.equal(over.statusCode, 422);
      assert.equal(over.json().error.code, 'too_many_rows');
      assert.match(over.json().error.message, /POST \/v1\/exports/);
      assert.equal(over.json().error.row_count, 25_001);
      assert.equal((await exportOf('format=csv&action=file.downloaded&until=now%2B1h&since=now-1h')).statusCode, 422);
    });
  });
}
