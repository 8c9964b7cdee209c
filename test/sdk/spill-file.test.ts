// The spill file survives the application: events recorded while Stele is down go to the file,
// a process killed with SIGKILL after that loses none of them, a process that closes spills what
// it has, and the next run delivers the file, each event once, then empties it.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eq } from '../../src/sql/fragments.js';
import { openTestStore, type TestStore } from '../../src/store/testing/test-stores.js';
import { steleProcess, type SteleProcess } from '../helpers/stele-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function app(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/sdk/spill-app.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, exited, output: () => stdout, errors: () => stderr };
}

describe('the spill file', () => {
  let db: TestStore;
  let stele: SteleProcess;
  let key: string;
  let tenantId: string;
  let dir: string;
  let spillFile: string;
  const lines = () => readFileSync(spillFile, 'utf8').split('\n').filter(Boolean).length;

  before(async () => {
    db = await openTestStore('sqlite');
    stele = await steleProcess(db);
    ({ tenantId, key } = await stele.tenantWithKey(['events:write']));
    await stele.stop();
    dir = mkdtempSync(join(tmpdir(), 'stele-spill-'));
    spillFile = join(dir, 'audit', 'spill.ndjson');
  });
  after(async () => {
    await stele.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps what a process killed with SIGKILL had spilled', async () => {
    const run = app([stele.url, key, spillFile, '0', '50', 'hang']);
    for (let i = 0; i < 600 && !run.output().includes('spilled'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(run.output(), /spilled/, run.errors());
    run.child.kill('SIGKILL');
    await run.exited;
    assert.equal(lines(), 50);
    assert.ok(existsSync(`${spillFile}.lock`), 'the dead process left its lock');
  });

  it('takes over the file of a dead process, and close() spills what Stele did not take', async () => {
    const run = app([stele.url, key, spillFile, '50', '30', 'close']);
    assert.equal(await run.exited, 0, run.errors());
    assert.deepEqual(JSON.parse(run.output()), { delivered: 0, spilled: 80, lost: 0 });
    assert.equal(lines(), 80);
    assert.equal(existsSync(`${spillFile}.lock`), false, 'a closed client removes its lock');
  });

  it('delivers the file with the next run once Stele is back, each event once, and empties it', async () => {
    await stele.start();
    const run = app([stele.url, key, spillFile, '80', '20', 'deliver']);
    assert.equal(await run.exited, 0, run.errors());
    const stats = JSON.parse(run.output());
    assert.equal(stats.delivered, 100);
    assert.equal(stats.spilled, 0);
    assert.equal(statSync(spillFile).size, 0);
    const stored = await db.store.findEvents(tenantId, { where: eq('action', 'sdk.spilled'), order: { key: 'seq', direction: 'asc' }, limit: 1000 });
    assert.deepEqual(stored.map((e) => e.details!.i as number).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
    assert.equal(new Set(stored.map((e) => e.id)).size, 100);
  });
});
