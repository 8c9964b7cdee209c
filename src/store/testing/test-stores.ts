// Opens a fresh store per engine for tests, with "hostile DBA" access to the same database
// (raw SQL that bypasses the port). SQLite always runs; PostgreSQL runs when the test runner
// found a server (STELE_TEST_PG=1), each store in a schema of its own that is dropped afterwards.

import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Store } from '../port.js';
import { openPostgresStore, numbered } from '../postgres/postgres-store.js';
import { openSqliteStore } from '../sqlite/sqlite-store.js';

export type Engine = 'sqlite' | 'postgres';

export interface TestStore {
  name: Engine;
  store: Store;
  /** Runs SQL directly against the database, `?` placeholders, as a DBA with full access would. */
  raw(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** How a second process would reach the same database (for multi-process tests). */
  location: { databaseUrl?: string; pgSchema?: string; sqliteFile?: string };
  close(): Promise<void>;
}

export const PG_URL = process.env.STELE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const POSTGRES_AVAILABLE = process.env.STELE_TEST_PG === '1';
export const POSTGRES_SKIP_REASON = POSTGRES_AVAILABLE
  ? false
  : 'PostgreSQL is not reachable; start it and set STELE_TEST_PG_URL to run these';

/** Engines to run per-engine suites on, each with a skip reason when unavailable. */
export const ENGINES: readonly { name: Engine; skip: string | false }[] = [
  { name: 'sqlite', skip: false },
  { name: 'postgres', skip: POSTGRES_SKIP_REASON },
];

let counter = 0;

async function openSqlite(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'stele-test-'));
  const file = join(dir, 'stele.db');
  const store = openSqliteStore({ file });
  await store.migrate();
  const dba = new Database(file);
  return {
    name: 'sqlite',
    store,
    location: { sqliteFile: file },
    async raw(sql, params = []) {
      const statement = dba.prepare(sql);
      if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
      statement.run(...params);
      return [];
    },
    async close() {
      dba.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(): Promise<TestStore> {
  const schema = `stele_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const store = openPostgresStore({ connectionString: PG_URL, schema, maxConnections: 8 });
  await store.migrate();
  const dba = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
  await dba.connect();
  return {
    name: 'postgres',
    store,
    location: { databaseUrl: PG_URL, pgSchema: schema },
    async raw(sql, params = []) {
      return (await dba.query(numbered(sql), params)).rows;
    },
    async close() {
      await store.close();
      await dba.query(`DROP SCHEMA ${schema} CASCADE`);
      await dba.end();
    },
  };
}

export function openTestStore(engine: Engine): Promise<TestStore> {
  return engine === 'sqlite' ? openSqlite() : openPostgres();
}

/** Every available engine's store (sqlite always, postgres when reachable). */
export async function openTestStores(): Promise<TestStore[]> {
  return Promise.all(ENGINES.filter((e) => !e.skip).map((e) => openTestStore(e.name)));
}
