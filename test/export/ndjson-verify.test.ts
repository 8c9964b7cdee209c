// An NDJSON download is evidence: `stele verify` must accept it on either engine, including on
// PostgreSQL, where the rows are encoded by COPY and finished in the adapter, for details whose
// jsonb text JavaScript reads differently (array-index keys, exponents, nulls, escapes).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { runCliToEnd } from '../helpers/server-process.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const DETAILS = [
  { b: 1, a: 2, '10': 3, '2': 4, '4294967295': 5 },
  // The largest integers the API takes (I-JSON: beyond ±(2^53−1) is refused) and exponent forms.
  { big: 2 ** 53 - 1, tiny: 1e-7, frac: 0.1 + 0.2, int: -(2 ** 53 - 1), neg: -0.5, least: 5e-324 },
  { n: null, list: [null, { x: null }], text: 'a: null, "1": 0.0000001' },
  { 'k"ey\\': 'v\u0001\u001f\u007f\u2028 🚀 ünïcødé', nested: { deep: [1, [2, { e: 'f' }]] } },
  { empty: {}, none: [], note: '=1+2 | , ; "quoted"' },
];

for (const engine of ENGINES) {
  describe(`stele verify on an NDJSON download from ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    const dir = mkdtempSync(join(tmpdir(), 'stele-ndjson-verify-'));
    const file = (name: string) => join(dir, name);
    let body: string;

    before(async () => {
      t = await startTestApp(engine.name);
      const { key } = await t.tenantWithKey(['events:write', 'audit:read', 'audit:export']);
      const events = DETAILS.map((details, i) => ({ action: 'settings.updated', actor: { id: `u${i}` }, context: { ip: '192.0.2.1', http_status: 200 }, success: i % 2 === 0, details }));
      assert.equal((await t.request({ method: 'POST', url: '/v1/events', key, payload: events })).statusCode, 201);
      const checkpoint = (await t.request({ method: 'POST', url: '/v1/integrity/checkpoints', key })).json();
      writeFileSync(file('cp.txt'), checkpoint.checkpoint);
      writeFileSync(file('key.pem'), (await t.request({ method: 'GET', url: '/v1/integrity/public-key', key })).json().pem);
      const exported = await t.request({ method: 'GET', url: '/v1/events/export?format=ndjson', key });
      assert.equal(exported.statusCode, 200, exported.body);
      body = exported.body;
      writeFileSync(file('export.ndjson'), body);
    });
    after(async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('carries every details value as it was sent', () => {
      const sent = body.trim().split('\n').map((line) => JSON.parse(line)).filter((event) => event.action === 'settings.updated');
      assert.deepEqual(sent.map((event) => event.details), DETAILS.map((d) => JSON.parse(JSON.stringify(d))));
    });

    it('verifies against the signed checkpoint', async () => {
      const result = await runCliToEnd(['verify', '--events', file('export.ndjson'), '--checkpoint', file('cp.txt'), '--public-key', file('key.pem')], {});
      assert.equal(result.code, 0, result.stdout + result.stderr);
      // The whole log: the tenant's and its key's creation, then the events sent.
      assert.match(result.stdout, new RegExp(`OK: ${DETAILS.length + 2} events verified`));
    });
  });
}
