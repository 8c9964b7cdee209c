#!/usr/bin/env node
// Runs every *.test.ts under src/, test/ and packages/ with Node's own test runner (through tsx), so the
// summary shows real counts. PostgreSQL suites need a reachable server, and the SFTP suites an
// installed OpenSSH server (they start their own sshd): under CI=true a missing one fails the run;
// elsewhere those suites are skipped and we say how to run them. So are the tests of the optional
// native speed-ups when they are not built.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import pg from 'pg';

const root = new URL('..', import.meta.url).pathname;
const pgUrl = process.env.STELE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const sshdBin = process.env.STELE_TEST_SSHD_BIN ?? '/usr/sbin/sshd';

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

async function postgresReachable() {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const filter = process.argv.slice(2);
const files = ['src', 'test', 'packages']
  .flatMap((d) => { try { return findTests(join(root, d)); } catch { return []; } })
  .filter((f) => filter.length === 0 || filter.some((pattern) => f.includes(pattern)))
  .sort();

const env = { ...process.env, STELE_TEST_PG_URL: pgUrl };
if (await postgresReachable()) {
  env.STELE_TEST_PG = '1';
} else if (process.env.CI === 'true') {
  console.error(`PostgreSQL is not reachable at ${pgUrl}, and CI=true requires the PostgreSQL suites.`);
  process.exit(1);
} else {
  env.STELE_TEST_PG = '0';
}
const skippedNotice =
  `\nPostgreSQL is not reachable at ${pgUrl}: its suites were SKIPPED (marked ﹣ above).\n` +
  'To run them, start PostgreSQL and set STELE_TEST_PG_URL=postgres://user@host:5432/db, then `npm test` again.\n';
if (env.STELE_TEST_PG === '0') console.warn(skippedNotice);

if (existsSync(sshdBin)) {
  env.STELE_TEST_SSHD = '1';
} else if (process.env.CI === 'true') {
  console.error(`The OpenSSH server is not installed (${sshdBin}), and CI=true requires the SFTP suites.`);
  process.exit(1);
} else {
  env.STELE_TEST_SSHD = '0';
}
const sshdNotice =
  `\nThe OpenSSH server is not installed (${sshdBin}): the SFTP suites were SKIPPED (marked ﹣ above).\n` +
  'To run them, `apt-get install openssh-server` (nothing needs to be started), then `npm test` again.\n';
if (env.STELE_TEST_SSHD === '0') console.warn(sshdNotice);

// The native speed-ups are optional (native/README.md); under CI=true a test requires them.
const nativeBuilt = process.env.STELE_NATIVE !== 'off' &&
  ['stele_hashes.node', 'stele_sqlite.node'].every((file) => existsSync(join(root, 'native', 'build', 'Release', file)));
const nativeNotice =
  `\nThe native speed-ups are ${process.env.STELE_NATIVE === 'off' ? 'turned off (STELE_NATIVE=off)' : 'not built'}: their tests were SKIPPED (marked ﹣ above).\n` +
  'To run them, install a C compiler, make and Python 3, run `node scripts/build-native.mjs`, then `npm test` again.\n';
if (!nativeBuilt) console.warn(nativeNotice);

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
  { stdio: 'inherit', env, cwd: root },
);
// Said again after the summary, where people look.
if (env.STELE_TEST_PG === '0') console.warn(skippedNotice);
if (env.STELE_TEST_SSHD === '0') console.warn(sshdNotice);
if (!nativeBuilt) console.warn(nativeNotice);
process.exit(result.status ?? 1);
