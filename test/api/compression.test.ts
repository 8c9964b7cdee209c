// Compressed answers (src/http/compression.ts): brotli or gzip as Accept-Encoding asks, above
// 1 KiB, for JSON, NDJSON, CSV and the dashboard's assets (precompressed at build time); an export
// stays a stream, pulled only as fast as a slow client reads; a bulk download, gzip already, is
// left alone.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { sealEvents } from '@stele/integrity';
import { pendingEvent } from '../../src/store/testing/fixtures.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { eventually, startTestBed, type TestBed } from '../export/export-test-bed.js';

// ~3.2 KB an event, 2,800 characters of it random: 64 MB of export (about 50 MB compressed),
// several times what the socket's and the encoder's buffers hold. (Loopback lets a paused
// client's receive buffer grow to 32 MB here, net.ipv4.tcp_rmem: with 700 random bytes an event
// the whole 20 MB compressed export sometimes fitted, and the server rightly finished it.)
const EVENTS = 20_000;
// Checks that need every byte but not full buffers (same bytes as the plain export, a bulk
// download left alone) read a smaller set of another action: a quarter of the suite's time.
const FEW = 1_000;
const DIST = fileURLToPath(new URL('../../ui/dist', import.meta.url));

interface RawAnswer { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

for (const engine of ENGINES) {
  describe(`compression on ${engine.name}`, { skip: engine.skip }, () => {
    let bed: TestBed;
    let key: string;
    let tenantId: string;
    let url: string;

    before(async () => {
      bed = await startTestBed(engine.name, { STELE_EXPORT_MAX_ROWS: String(EVENTS * 2) });
      ({ key, tenantId } = await bed.tenantWithKey(['audit:read', 'audit:export', 'events:write']));
      for (let i = 0; i < EVENTS; i += 1000) {
        const batch = Array.from({ length: 1000 }, (_, k) => pendingEvent({ action: 'file.downloaded', details: { noise: randomBytes(2100).toString('base64'), i: i + k } }));
        await bed.db.store.appendEvents(tenantId, batch, sealEvents);
      }
      await bed.db.store.appendEvents(tenantId, Array.from({ length: FEW }, (_, k) => pendingEvent({ action: 'file.shared', details: { noise: randomBytes(2100).toString('base64'), i: k } })), sealEvents);
      await bed.app.listen({ host: '127.0.0.1', port: 0 });
      url = `http://127.0.0.1:${(bed.app.server.address() as AddressInfo).port}`;
    });
    after(() => bed.close());

    /** A whole answer over a real socket, its body as sent (not decoded). */
    const fetchRaw = (path: string, headers: Record<string, string> = {}) => new Promise<RawAnswer>((resolve, reject) => {
      request(`${url}${path}`, { headers: { authorization: `Bearer ${key}`, ...headers } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject).end();
    });

    it('compresses a JSON answer with brotli or gzip, as the client asks, and not a small one', async () => {
      const plain = await fetchRaw('/v1/events?limit=50&action=file.downloaded');
      assert.equal(plain.headers['content-encoding'], undefined, 'without Accept-Encoding');
      const br = await fetchRaw('/v1/events?limit=50&action=file.downloaded', { 'accept-encoding': 'gzip, deflate, br' });
      assert.equal(br.headers['content-encoding'], 'br');
      assert.match(String(br.headers.vary), /accept-encoding/i);
      const gzip = await fetchRaw('/v1/events?limit=50&action=file.downloaded', { 'accept-encoding': 'gzip' });
      assert.equal(gzip.headers['content-encoding'], 'gzip');
      const events = (body: Buffer) => (JSON.parse(body.toString('utf8')) as { events: { seq: number }[] }).events.map((e) => e.seq);
      assert.deepEqual(events(brotliDecompressSync(br.body)), events(plain.body));
      assert.deepEqual(events(gunzipSync(gzip.body)), events(plain.body));
      assert.ok(br.body.length < plain.body.length * 0.9, `${br.body.length} of ${plain.body.length} bytes`);
      const small = await fetchRaw('/healthz', { 'accept-encoding': 'br, gzip' });
      assert.equal(small.headers['content-encoding'], undefined, 'under 1 KiB is sent as it is');
      assert.equal(small.body.toString(), '{"status":"ok"}');
    });

    it('compresses CSV and NDJSON exports to exactly the bytes of the plain export', async () => {
      for (const format of ['csv', 'ndjson']) {
        const path = `/v1/events/export?format=${format}&action=file.shared`;
        const plain = await fetchRaw(path);
        const gzip = await fetchRaw(path, { 'accept-encoding': 'gzip' });
        assert.equal(plain.status, 200);
        assert.equal(gzip.headers['content-encoding'], 'gzip', format);
        assert.equal(gzip.headers['x-stele-row-count'], String(FEW));
        assert.match(String(gzip.headers['content-disposition']), /^attachment; filename="stele-/);
        const unzipped = gunzipSync(gzip.body);
        assert.equal(unzipped.length, plain.body.length, format);
        assert.ok(unzipped.equals(plain.body), `${format}: same bytes`);
      }
    });

    it('keeps a compressed export a stream: a client that stops reading stops the reads, and its export is recorded as incomplete', async () => {
      const { req, firstBytes } = await new Promise<{ req: ReturnType<typeof request>; firstBytes: number }>((resolve, reject) => {
        const req = request(`${url}/v1/events/export?format=ndjson&action=file.downloaded`, { headers: { authorization: `Bearer ${key}`, 'accept-encoding': 'br' } }, (response) => {
          assert.equal(response.headers['content-encoding'], 'br');
          response.once('data', (chunk: Buffer) => {
            response.pause();
            // Let the server fill the socket and the encoder's buffers and block before hanging up.
            setTimeout(() => resolve({ req, firstBytes: chunk.length }), 500);
          });
        });
        req.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
        req.end();
      });
      assert.ok(firstBytes > 0);
      req.destroy();
      const recorded = await eventually(async () => {
        const feed = await bed.request({ method: 'GET', url: '/v1/events/feed?action=audit.exported&limit=1000', key });
        return feed.json().events.find((e: { details: { format: string; completed: boolean } }) => e.details.format === 'ndjson' && !e.details.completed);
      });
      // What was read is what the socket's and the encoder's buffers hold (megabytes on loopback), not the export.
      assert.ok(recorded.details.row_count < EVENTS, `${recorded.details.row_count} of ${EVENTS} rows read while the client was not reading`);
    });

    it('finishes a compressed export read slowly, every row once', async () => {
      const body = await new Promise<Buffer>((resolve, reject) => {
        request(`${url}/v1/events/export?format=csv&action=file.downloaded`, { headers: { authorization: `Bearer ${key}`, 'accept-encoding': 'gzip' } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            // A slow reader: a pause after every chunk.
            response.pause();
            setTimeout(() => response.resume(), chunks.length % 50 === 0 ? 20 : 0);
          });
          response.on('end', () => resolve(Buffer.concat(chunks)));
        }).on('error', reject).end();
      });
      const rows = gunzipSync(body).toString('utf8').trim().split('\n');
      assert.equal(rows.length, EVENTS + 1, 'a header and every row');
    });

    it('sends the dashboard assets precompressed at build time, and leaves a bulk download, gzip already, alone', async () => {
      const script = readdirSync(`${DIST}/assets`).find((file) => /^react-.*\.js$/.test(file))!;
      assert.ok(existsSync(`${DIST}/assets/${script}.br`), 'ui/dist was built without its .br and .gz files: run npm run build');
      const br = await fetchRaw(`/assets/${script}`, { 'accept-encoding': 'gzip, br' });
      assert.equal(br.headers['content-encoding'], 'br');
      assert.ok(br.body.equals(readFileSync(`${DIST}/assets/${script}.br`)), 'the .br file written by the build');
      assert.ok(brotliDecompressSync(br.body).equals(readFileSync(`${DIST}/assets/${script}`)));
      assert.match(String(br.headers['cache-control']), /immutable/);
      const embed = await fetchRaw('/embed.js', { 'accept-encoding': 'gzip' });
      assert.equal(embed.headers['content-encoding'], 'gzip');
      assert.ok(gunzipSync(embed.body).equals(readFileSync(`${DIST}/embed.js`)));

      const job = await bed.request({ method: 'POST', url: '/v1/exports', key, payload: { format: 'csv', filters: { action: ['file.shared'] } } });
      assert.equal(job.statusCode, 202, job.body);
      const done = await eventually<{ download_url: string }>(async () => {
        const status = await bed.request({ method: 'GET', url: `/v1/exports/${job.json().id}`, key });
        return status.json().status === 'done' ? status.json() : undefined;
      }, 60_000);
      const download = await fetchRaw(new URL(done.download_url).pathname + new URL(done.download_url).search, { 'accept-encoding': 'gzip, br' });
      assert.equal(download.status, 200);
      assert.equal(download.headers['content-type'], 'application/gzip');
      assert.equal(download.headers['content-encoding'], undefined, 'not compressed twice');
      assert.equal(gunzipSync(download.body).toString('utf8').trim().split('\n').length, FEW + 1);
    });
  });
}
