#!/usr/bin/env node
// Runs every *.test.ts under src/, test/ and packages/ with Node's own test runner (through tsx), so the
// summary shows real counts. Some suites need a real peer: PostgreSQL, an OpenSSH server (the SFTP
// suites start their own sshd), Debian's Chromium (browser suites), the native speed-ups. Under
// CI=true a missing peer fails the run; elsewhere its suites are skipped, and the summary names
// each skipped group and how to run it, before and after the test output. The server is built
// first (`npm run build:server`): the suites that start `stele` as a process run the compiled one.
//
// A suite that needs a new peer adds one entry to PEERS below.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import pg from 'pg';
import { buildServer } from './build-server.mjs';

const root = new URL('..', import.meta.url).pathname;
const pgUrl = process.env.STELE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const sshdBin = process.env.STELE_TEST_SSHD_BIN ?? '/usr/sbin/sshd';
const chromiumBin = process.env.STELE_CHROMIUM_PATH ?? '/usr/bin/chromium';
const pdftotextBin = '/usr/bin/pdftotext';

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

const nativeOff = process.env.STELE_NATIVE === 'off';

/**
 * Each peer: whether it is here, the environment variable that tells the suites, and what to say
 * when it is not. `optionalInCi` peers may be absent even under CI=true (the native speed-ups are
 * optional by design, but CI builds them).
 */
const PEERS = [
  {
    name: 'PostgreSQL', env: 'STELE_TEST_PG', present: postgresReachable,
    missing: `PostgreSQL is not reachable at ${pgUrl}: its suites were SKIPPED (marked ﹣ above).`,
    howTo: 'To run them, start PostgreSQL and set STELE_TEST_PG_URL=postgres://user@host:5432/db, then `npm test` again.',
  },
  {
    name: 'OpenSSH server', env: 'STELE_TEST_SSHD', present: async () => existsSync(sshdBin),
    missing: `The OpenSSH server is not installed (${sshdBin}): the SFTP suites were SKIPPED (marked ﹣ above).`,
    howTo: 'To run them, `apt-get install openssh-server` (nothing needs to be started), then `npm test` again.',
  },
  {
    name: 'Chromium', env: 'STELE_TEST_CHROMIUM', present: async () => existsSync(chromiumBin),
    missing: `Debian's Chromium is not installed (${chromiumBin}): the browser suites (test/browser/) were SKIPPED (marked ﹣ above).`,
    howTo: 'To run them, `apt-get install chromium` (or set STELE_CHROMIUM_PATH), then `npm test` again. No browser is ever downloaded.',
  },
  {
    name: 'pdftotext', env: 'STELE_TEST_PDFTOTEXT', present: async () => existsSync(pdftotextBin),
    missing: `Debian's pdftotext (poppler-utils) is not installed (${pdftotextBin}): the test that reads a report's PDF back was SKIPPED (marked ﹣ above).`,
    howTo: 'To run it, `apt-get install poppler-utils`, then `npm test` again.',
  },
  {
    name: 'rsyslog', env: 'STELE_TEST_RSYSLOG',
    // The syslog stream suites start Debian's rsyslog (with its openssl driver, for TLS) as a receiver.
    present: async () => ['/usr/sbin/rsyslogd', '/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so'].every((file) => existsSync(file)),
    missing: 'rsyslog is not installed: the syslog stream suites were SKIPPED (marked ﹣ above).',
    howTo: 'To run them, `apt-get install rsyslog rsyslog-openssl` (nothing needs to be started), then `npm test` again.',
  },
  {
    name: 'native speed-ups', env: 'STELE_TEST_NATIVE', optionalInCi: nativeOff,
    present: async () => !nativeOff && ['stele_hashes.node', 'stele_sqlite.node'].every((file) => existsSync(join(root, 'native', 'build', 'Release', file))),
    missing: `The native speed-ups are ${nativeOff ? 'turned off (STELE_NATIVE=off)' : 'not built'}: their tests were SKIPPED (marked ﹣ above).`,
    howTo: 'To run them, install a C compiler, make and Python 3, run `node scripts/build-native.mjs`, then `npm test` again.',
  },
];

const filter = process.argv.slice(2);
const files = ['src', 'test', 'packages']
  .flatMap((d) => { try { return findTests(join(root, d)); } catch { return []; } })
  .filter((f) => filter.length === 0 || filter.some((pattern) => f.includes(pattern)))
  .sort();

// The suites that start `stele` as a process run the compiled server, what `npm start` runs: built
// here first from the sources as they are now (a few seconds when little changed), so a test never
// runs an older build. tsx's compile at each start cost about a second a process.
buildServer(root, 'test');

const env = { ...process.env, STELE_TEST_PG_URL: pgUrl, STELE_TEST_COMPILED: '1' };
const skipped = [];
for (const peer of PEERS) {
  const present = await peer.present();
  env[peer.env] = present ? '1' : '0';
  if (present) continue;
  if (process.env.CI === 'true' && !peer.optionalInCi) {
    console.error(`${peer.missing.replace(/: .*$/, '')}, and CI=true requires its suites.`);
    process.exit(1);
  }
  skipped.push(peer);
}

const summary = () => {
  if (skipped.length === 0) return;
  console.warn(`\n${skipped.length} group(s) of suites were SKIPPED:`);
  for (const peer of skipped) console.warn(`- ${peer.name}: ${peer.missing}\n  ${peer.howTo}`);
  console.warn('');
};
summary();

// The tests run in a process group of their own, their output passed on through pipes held by
// this process alone. A helper a test leaves behind (a browser's crash handler, a daemon) may
// keep those pipes open, but never our caller's: the run ends when the test runner exits, and
// whatever is left of its group is killed then.
const child = spawn(
  process.execPath,
  // A test that hangs fails after ten minutes; a file left open by a handle is caught by the
  // silence watchdog below. (Not --test-force-exit: it can end a file before its last report
  // lines are written.)
  // Three test files at a time (STELE_TEST_CONCURRENCY to change it): each file's suites run in
  // order within its own process, and files share no ports, schemas or directories. Many wait on
  // processes, sockets and timers, so three side by side keep the 2-core machine busier than two:
  // the whole run took 608 s against 773 s with two (170% CPU), every test passing both ways.
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${process.env.STELE_TEST_CONCURRENCY ?? 3}`, '--test-timeout=600000', ...files],
  { stdio: ['inherit', 'pipe', 'pipe'], env, cwd: root, detached: true },
);
const killGroup = (signal) => { try { process.kill(-child.pid, signal); } catch { /* the group is gone */ } };
// A run that prints nothing for ten minutes is stuck (a test file's process can also be held open
// by a helper it left behind, which Node's own timeouts do not see): it fails, saying so, rather
// than hang until someone notices.
const SILENCE_MS = 10 * 60_000;
let lastOutput = '';
let watchdog;
const heard = () => {
  clearTimeout(watchdog);
  watchdog = setTimeout(() => {
    console.error(`\nNo test output for ${SILENCE_MS / 60_000} minutes; the run is stuck after:\n${lastOutput}\nStopping it.`);
    killGroup('SIGKILL');
  }, SILENCE_MS);
};
for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
  from.on('data', (chunk) => { to.write(chunk); lastOutput = String(chunk).slice(-500); heard(); });
}
heard();
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => killGroup(signal));
const status = await new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
// Let the last lines through the pipes, without waiting on a helper that still holds them.
await new Promise((resolve) => { const timer = setTimeout(resolve, 2000); child.on('close', () => { clearTimeout(timer); resolve(); }); });
clearTimeout(watchdog);
killGroup('SIGKILL');
// Said again after the summary, where people look.
summary();
process.exit(status);
