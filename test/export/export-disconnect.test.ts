// A client that hangs up in the middle of a download, over a real socket: the server stops
// reading (on PostgreSQL, no COPY is left running) and records the export as incomplete.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sealEvents } from '@stele/integrity';
import { pendingEvent } from '../../src/store/testing/fixtures.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { eventually, startTestBed, type TestBed } from './export-test-bed.js';

const EVENTS = 12_000; // ~12 MB of CSV: more than the socket buffers between server and client hold

for (const engine of ENGINES) {
  describe(`a download the client abandons, on ${engine.name}`, { skip: engine.skip }, () => {
    let bed: TestBed;
    let key: string;
    let tenantId: string;
    let url: string;

    before(async () => {
      bed = await startTestBed(engine.name, { STELE_EXPORT_MAX_ROWS: String(EVENTS * 2) });
      ({ key, tenantId } = await bed.tenantWithKey(['audit:read', 'audit:export']));
      for (let i = 0; i < EVENTS; i += 1000) {
        const batch = Array.from({ length: 1000 }, (_, k) => pendingEvent({ action: 'file.downloaded', details: { padding: 'x'.repeat(900), i: i + k } }));
        await bed.db.store.appendEvents(tenantId, batch, sealEvents);
      }
      await bed.app.listen({ host: '127.0.0.1', port: 0 });
      url = `http://127.0.0.1:${(bed.app.server.address() as AddressInfo).port}`;
    });
    after(() => bed.close());

    const copying = async () => engine.name !== 'postgres' ? 0 : (await bed.db.raw(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE ? AND pid <> pg_backend_pid()",
      ['COPY (\nSELECT %'],
    ))[0]!.n as number;

    for (const format of ['csv', 'ndjson'] as const) {
      it(`stops reading a ${format} export and records it as incomplete`, async () => {
        const { req, firstBytes } = await new Promise<{ req: ReturnType<typeof request>; firstBytes: number }>((resolve, reject) => {
          const req = request(`${url}/v1/events/export?format=${format}&action=file.downloaded`, { headers: { authorization: `Bearer ${key}` } }, (response) => {
            assert.equal(response.statusCode, 200);
            response.once('data', (chunk: Buffer) => {
              response.pause();
              // Let the server fill the socket buffers and block before hanging up.
              setTimeout(() => resolve({ req, firstBytes: chunk.length }), 300);
            });
          });
          req.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
          req.end();
        });
        try {
          assert.ok(firstBytes > 0);
          if (engine.name === 'postgres') assert.equal(await copying(), 1, 'the COPY runs, blocked on the paused client');
        } finally {
          req.destroy();
        }
        const recorded = await eventually(async () => {
          const feed = await bed.request({ method: 'GET', url: '/v1/events/feed?action=audit.exported&limit=1000', key });
          return feed.json().events.find((e: { details: { format: string } }) => e.details.format === format);
        });
        assert.equal(recorded.details.completed, false);
        assert.ok(recorded.details.row_count < EVENTS, `${recorded.details.row_count} rows counted as sent`);
        await eventually(async () => ((await copying()) === 0 ? true : undefined));
      });
    }
  });
}
