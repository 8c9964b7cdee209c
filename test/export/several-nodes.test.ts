// Two app instances, each with its own connection to one database and its own export worker,
// racing for the same bulk jobs and the same due schedule: each runs exactly once.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import type { Store } from '../../src/store/port.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { ADMIN_TOKEN } from '../helpers/test-app.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { eventually, startTestBed, type TestBed } from './export-test-bed.js';

for (const engine of ENGINES) {
  describe(`exports on two nodes sharing one ${engine.name} database`, { skip: engine.skip }, () => {
    let bed: TestBed;
    let key: string;
    let tenantId: string;
    let secondStore: Store;
    let second: FastifyInstance;
    const feed = async () => (await bed.request({ method: 'GET', url: '/v1/events/feed?action=audit.exported&limit=1000', key })).json().events as { details: Record<string, unknown> }[];

    before(async () => {
      bed = await startTestBed(engine.name);
      ({ key, tenantId } = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export']));
      await bed.ingest(key, Array.from({ length: 2000 }, (_, i) => ({ action: i % 2 ? 'user.login' : 'doc.viewed' })));
      const { location } = bed.db;
      secondStore = location.sqliteFile
        ? openSqliteStore({ file: location.sqliteFile })
        : openPostgresStore({ connectionString: location.databaseUrl!, schema: location.pgSchema!, maxConnections: 4 });
      const config = loadConfig({ STELE_ADMIN_TOKEN: ADMIN_TOKEN, STELE_DATA_DIR: bed.dataDir });
      second = (await buildApp({ config, store: secondStore, signingKey: testSigningKey(), now: () => bed.clock.ms })).app;
    });
    after(async () => {
      await second.close();
      await secondStore.close();
      await bed.close();
    });

    it('runs each bulk job once although both workers see it pending', async () => {
      // Created on the second node's API too, so that both workers are woken at once.
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const payload = { format: 'ndjson', filters: { action: ['user.*'] } };
        const created = i % 2
          ? await second.inject({ method: 'POST', url: '/v1/exports', headers: { authorization: `Bearer ${key}` }, payload })
          : await bed.request({ method: 'POST', url: '/v1/exports', key, payload });
        assert.equal(created.statusCode, 202, created.body);
        ids.push(created.json().id);
      }
      for (const id of ids) {
        const job = await eventually(async () => {
          const current = (await bed.request({ method: 'GET', url: `/v1/exports/${id}`, key })).json();
          return current.status === 'done' || current.status === 'failed' ? current : undefined;
        }, 30_000);
        assert.equal(job.status, 'done', job.error);
        assert.equal(job.row_count, 1000);
      }
      // A job shows done a moment before its audit event commits: wait until every job has one, then count.
      const runs = await eventually(async () => {
        const bulk = (await feed()).filter((e) => e.details.kind === 'bulk');
        return ids.every((id) => bulk.some((e) => e.details.job_id === id)) ? bulk : undefined;
      }, 10_000);
      for (const id of ids) assert.equal(runs.filter((e) => e.details.job_id === id).length, 1, `job ${id} ran once`);
      // A node that listed a job as pending before the other finished it may still take its lease
      // for a moment, find the job finished and end the lease: none may stay.
      const leases = await eventually(async () => {
        const left = await bed.db.store.listRecords('lease', tenantId);
        return left.length === 0 ? left : undefined;
      }, 10_000).catch(async () => bed.db.store.listRecords('lease', tenantId));
      assert.deepEqual(leases, [], 'finished jobs leave no lease behind');
    });

    it('runs a due schedule once per boundary', async () => {
      const created = await bed.request({ method: 'POST', url: '/v1/export-schedules', key, payload: { frequency: 'daily', format: 'csv', directory: 'both-nodes', from_start: true } });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id as string;
      bed.clock.ms = Date.parse(created.json().next_run_at) + 1000;
      await eventually(async () => ((await bed.request({ method: 'GET', url: `/v1/export-schedules/${id}`, key })).json().runs >= 1 ? true : undefined), 30_000);
      // Give the other node a few polls to run it a second time, if it were going to.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      assert.equal((await bed.request({ method: 'GET', url: `/v1/export-schedules/${id}`, key })).json().runs, 1);
      assert.equal(readdirSync(join(bed.dataDir, 'scheduled', tenantId, 'both-nodes')).length, 2, 'one artifact and one manifest');
      assert.equal((await feed()).filter((e) => e.details.schedule_id === id).length, 1);
    });
  });
}
