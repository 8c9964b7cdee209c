// The WAL checkpoints off the committing thread: the committing connection no longer checkpoints,
// the worker moves committed pages into the database file, a checkpointer that cannot run hands
// the work back to the connection, and a store that checkpoints this way keeps what it committed.

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { sealEvents } from '@stele/integrity';
import { pendingEvents } from '../testing/fixtures.js';
import { openSqliteStore } from './sqlite-store.js';
import { checkpointOffThread, type CheckpointResult } from './wal-checkpointer.js';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function newFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stele-wal-'));
  dirs.push(dir);
  return join(dir, 'stele.db');
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('WAL checkpoints off the committing thread', () => {
  it('moves committed pages into the database file while the connection commits without checkpointing', async () => {
    const file = newFile();
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    const reports: CheckpointResult[] = [];
    const checkpointer = checkpointOffThread(db, file, { intervalMs: 20, onCheckpoint: (r) => reports.push(r) });
    try {
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
      const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
      // Far past the 1,000 pages at which the connection would have checkpointed in a commit.
      for (let commit = 0; commit < 40; commit++) db.transaction(() => { for (let i = 0; i < 100; i++) insert.run('x'.repeat(500)); })();
      const written = reports.length;
      await until(() => reports.slice(written).some((r) => 'log' in r && r.log > 0 && r.checkpointed === r.log), 'a checkpoint of the whole log');
      // The database file alone, without its WAL, now holds every committed row.
      const copy = `${file}.copy`;
      copyFileSync(file, copy);
      const alone = new Database(copy, { readonly: true });
      assert.equal(alone.prepare('SELECT count(*) FROM t').pluck().get(), 4000);
      alone.close();
    } finally {
      await checkpointer.stop();
      db.close();
    }
  });

  it('gives checkpoints back to the connection when the worker cannot run', async () => {
    const db = new Database(newFile());
    db.pragma('journal_mode = WAL');
    const checkpointer = checkpointOffThread(db, join(tmpdir(), 'stele-no-such-dir', 'missing.db'));
    await until(() => db.pragma('wal_autocheckpoint', { simple: true }) === 1000, 'inline checkpoints again');
    await checkpointer.stop();
    db.close();
  });

  it('is what a store opened with checkpoints: thread does, and what it committed survives closing and opening again', async () => {
    const file = newFile();
    const store = openSqliteStore({ file, checkpoints: 'thread' });
    await store.migrate();
    await store.createTenant({ id: 't', name: 't', created_at: new Date().toISOString() });
    for (let i = 0; i < 5; i++) await store.appendEvents('t', pendingEvents(200, (k) => ({ id: `e${i}_${k}`, details: { text: 'y'.repeat(200) } })), sealEvents);
    await store.close();
    const again = openSqliteStore({ file });
    try {
      assert.equal((await again.getHead('t')).size, 1000);
    } finally {
      await again.close();
    }
  });
});
