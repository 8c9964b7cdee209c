// Each `stele` command run as a subprocess, against a real server over HTTP (--url/--key or
// STELE_URL/STELE_API_KEY) and on the same local store (--tenant): send, tail, export, checkpoint,
// proof, bench, sdk types, and the admin commands over HTTP; the exit codes; what a command that
// opens a local store says about it.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { rawPublicKey, verifierKeyString } from '@stele/integrity';
import { openTestStore, type TestStore } from '../../src/store/testing/test-stores.js';
import { runCli, runCliToEnd } from '../helpers/server-process.js';
import { freePort, PROCESS_ADMIN_TOKEN, steleProcess, type SteleProcess } from '../helpers/stele-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the stele commands, on a server and on the local store', () => {
  let db: TestStore;
  let stele: SteleProcess;
  let tenantId: string;
  let key: string;
  let dir: string;
  let remote: Record<string, string>;
  let local: Record<string, string>;
  const api = async (method: string, path: string, body?: unknown, bearer = key) => {
    const response = await fetch(`${stele.url}${path}`, { method, headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) });
    return { status: response.status, body: response.status === 204 ? undefined : await response.json() as any };
  };
  const cli = (args: string[], env: Record<string, string>, input?: string) => runCliToEnd(args, env, input);
  const actions = async (action: string) => (await api('GET', `/v1/events?action=${action}&limit=1000&sort=seq&order=asc`)).body.events as { id: string; seq: number; details?: Record<string, unknown> }[];

  before(async () => {
    db = await openTestStore('sqlite');
    stele = await steleProcess(db);
    ({ tenantId, key } = await stele.tenantWithKey(['events:write', 'audit:read', 'audit:export', 'event_types:manage', 'keys:manage']));
    dir = mkdtempSync(join(tmpdir(), 'stele-cli-commands-'));
    remote = { STELE_URL: stele.url, STELE_API_KEY: key };
    local = { ...stele.env, STELE_URL: '', STELE_API_KEY: '' };
  });
  after(async () => {
    await stele.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('send: stores the good events of an NDJSON file, names the refused ones by line, exits 1', async () => {
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, [
      JSON.stringify({ action: 'cli.sent', details: { n: 1 } }),
      'this is not json',
      JSON.stringify({ action: 'cli.sent', context: { ip: 'nowhere' } }),
      '',
      JSON.stringify({ action: 'cli.sent', details: { n: 2 } }),
    ].join('\n'));
    const sent = await cli(['send', file, '--json'], remote);
    assert.equal(sent.code, 1, sent.stderr);
    const result = JSON.parse(sent.stdout);
    assert.equal(result.stored, 2);
    assert.deepEqual(result.refused.map((r: { line: number; field?: string }) => [r.line, r.field ?? null]), [[2, null], [3, 'context.ip']]);
    assert.deepEqual((await actions('cli.sent')).map((e) => e.details?.n), [1, 2]);
  });

  it('send: takes a JSON array on stdin, over HTTP and into the local store, and applies event types on both', async () => {
    assert.equal((await api('PUT', '/v1/event-types/cli.typed', { details_schema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } })).status, 201);
    const input = JSON.stringify([{ action: 'cli.typed', details: { n: 1 } }, { action: 'cli.typed', details: { n: 'two' } }]);
    const overHttp = await cli(['send', '-'], remote, input);
    assert.equal(overHttp.code, 1);
    assert.match(overHttp.stdout, /stored 1 of 2 events\nrefused line 2: details.n must be integer \(event type cli.typed v1\)/);
    const onStore = await cli(['send', '--tenant', tenantId], local, JSON.stringify({ action: 'cli.typed', details: { n: 3 } }));
    assert.equal(onStore.code, 0, onStore.stderr);
    assert.match(onStore.stderr, /store: SQLite \(.*stele\.db\), tenant /);
    assert.deepEqual((await actions('cli.typed')).map((e) => e.details?.n), [1, 3]);
  });

  it('tail: prints the latest matching events, pretty or as NDJSON, from either side', async () => {
    const pretty = await cli(['tail', '--q', 'action:cli.sent', '--no-follow'], remote);
    assert.equal(pretty.code, 0, pretty.stderr);
    const lines = pretty.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}#\d+ {2}cli\.sent {2}\{"n":1\}$/);
    const json = await cli(['tail', '--q', 'action:cli.* AND NOT action:cli.typed', '--no-follow', '--json', '--tenant', tenantId], local);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(json.stdout.trim().split('\n').map((line) => JSON.parse(line).details.n), [1, 2]);
  });

  it('tail: follows the feed and shows events written after it started, until interrupted', async () => {
    const head = (await api('GET', '/v1/events?sort=seq&order=desc&limit=1')).body.events[0].seq as number;
    // From a known seq, so what it shows does not depend on how fast it started.
    const child = runCli(['tail', '--q', 'action:cli.followed', '--json', '--after-seq', String(head)], remote);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await api('POST', '/v1/events', [{ action: 'cli.followed', details: { n: 1 } }, { action: 'cli.other' }]);
    await api('POST', '/v1/events', { action: 'cli.followed', details: { n: 2 } });
    for (let i = 0; i < 600 && output.split('\n').filter(Boolean).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.deepEqual(output.trim().split('\n').map((line) => JSON.parse(line).details.n), [1, 2]);
  });

  it('export: writes any format to a file, and an evidence file that stele verify accepts', async () => {
    const csv = join(dir, 'sent.csv');
    const exported = await cli(['export', '--format', 'csv', '--out', csv, '--q', 'action:cli.sent', '--json'], remote);
    assert.equal(exported.code, 0, exported.stderr);
    assert.deepEqual({ ...JSON.parse(exported.stdout), bytes: undefined }, { file: csv, format: 'csv', rows: 2, bytes: undefined });
    assert.equal(readFileSync(csv, 'utf8').trim().split('\n').length, 3, 'a header and two rows');

    const evidence = join(dir, 'evidence.ndjson');
    const local1 = await cli(['export', '--format', 'ndjson', '--proofs', '--out', evidence, '--tenant', tenantId, '--q', 'action:cli.sent OR action:cli.typed'], local);
    assert.equal(local1.code, 0, local1.stderr);
    assert.match(local1.stderr, /exported 4 events/);
    const pem = join(dir, 'stele.pem');
    writeFileSync(pem, (await api('GET', '/v1/integrity/public-key')).body.pem);
    const verified = await cli(['verify', '--events', evidence, '--public-key', pem], {});
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /OK: 4 events verified/);
    for (const format of ['json', 'cef', 'leef', 'ocsf']) {
      const out = await cli(['export', '--format', format, '--q', 'action:cli.sent'], remote);
      assert.equal(out.code, 0, `${format}: ${out.stderr}`);
      assert.ok(out.stdout.length > 0, format);
    }
    const bad = await cli(['export', '--format', 'xml'], remote);
    assert.equal(bad.code, 2);
  });

  it('checkpoint and proof: made and read on either side, verified against the note key, refused with another', async () => {
    const first = await cli(['checkpoint', '--make', '--json'], remote);
    assert.equal(first.code, 0, first.stderr);
    const firstSize = JSON.parse(first.stdout).tree_size as number;
    await api('POST', '/v1/events', { action: 'cli.between' });
    const second = await cli(['checkpoint', '--make', '--json', '--tenant', tenantId], local);
    assert.equal(second.code, 0, second.stderr);
    const secondSize = JSON.parse(second.stdout).tree_size as number;
    assert.ok(secondSize > firstSize);
    const latest = await cli(['checkpoint'], remote);
    assert.match(latest.stdout, new RegExp(`^tree size ${secondSize}, root [0-9a-f]{64}`));

    const noteKey = (await api('GET', '/v1/integrity/public-key')).body.note_key as string;
    const [event] = await actions('cli.sent');
    const proved = await cli(['proof', event!.id, '--verify', '--note-key', noteKey], remote);
    assert.equal(proved.code, 0, proved.stderr);
    assert.match(proved.stdout, new RegExp(`OK: event ${event!.id} is in the log of .*/${tenantId} signed at size ${secondSize}`));
    const consistent = await cli(['proof', '--from', String(firstSize), '--to', String(secondSize), '--verify', '--note-key', noteKey, '--json', '--tenant', tenantId], local);
    assert.equal(consistent.code, 0, consistent.stderr);
    assert.equal(JSON.parse(consistent.stdout).verified.to.size, secondSize);
    const anotherKey = verifierKeyString(noteKey.split('+')[0]!, rawPublicKey(generateKeyPairSync('ed25519').publicKey));
    const refused = await cli(['proof', event!.id, '--verify', '--note-key', anotherKey], remote);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /verification FAILED \(bad_signature\): the checkpoint is signed by another key/);
    assert.equal((await cli(['proof', event!.id, '--verify', '--note-key', 'not a key'], remote)).code, 2);
  });

  it('bench: reports a rate on a server and on the local store', async () => {
    const overHttp = await cli(['bench', '--events', '400', '--json'], remote);
    assert.equal(overHttp.code, 0, overHttp.stderr);
    const result = JSON.parse(overHttp.stdout);
    assert.equal(result.events, 400);
    assert.ok(result.events_per_second > 0);
    const onStore = await cli(['bench', '--events', '300', '--batch-size', '100', '--tenant', tenantId], local);
    assert.equal(onStore.code, 0, onStore.stderr);
    assert.match(onStore.stdout, /^\d+ events\/s \(300 events in [\d.]+ s, batches of 100, into the local store\)/);
    assert.equal((await actions('login.failed')).length, 140, 'a fifth of each run is login.failed');
  });

  it('sdk types: a module that compiles and types what the server checks', async () => {
    assert.equal((await api('PUT', '/v1/event-types/invoice.paid', {
      description: 'An invoice was paid',
      details_schema: { type: 'object', required: ['amount', 'currency'], properties: { amount: { type: 'number' }, currency: { enum: ['EUR', 'USD'] } }, additionalProperties: false },
    })).status, 201);
    const generated = await cli(['sdk', 'types'], remote);
    assert.equal(generated.code, 0, generated.stderr);
    assert.match(generated.stdout, /export type InvoicePaidDetails = \{\n {2}amount: number;\n {2}currency: "EUR" \| "USD";\n\};/);
    assert.equal((await cli(['sdk', 'types', '--tenant', tenantId], local)).stdout.split('\n').slice(1).join('\n'), generated.stdout.split('\n').slice(1).join('\n'));

    // Compiled with the application's code: a right call passes, a wrong one does not.
    const work = mkdtempSync(join(ROOT, '.stele-test-types-'));
    try {
      writeFileSync(join(work, 'audit-types.ts'), generated.stdout);
      writeFileSync(join(work, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { noEmit: true, rootDir: '..' }, include: ['*.ts'] }));
      const app = (details: string) => `import { createAuditClient } from '@stele/sdk';\nimport { typedAudit } from './audit-types.js';\nconst events = typedAudit(createAuditClient({ url: 'http://x', apiKey: 'k' }));\nevents.invoice.paid({ details: ${details} });\nevents.cli.typed({ details: { n: 1 } });\n`;
      writeFileSync(join(work, 'app.ts'), app("{ amount: 12, currency: 'EUR' }"));
      const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
      const good = spawnSync(tsc, ['-p', work], { encoding: 'utf8' });
      assert.equal(good.status, 0, good.stdout + good.stderr);
      writeFileSync(join(work, 'app.ts'), app("{ amount: '12', currency: 'GBP' }"));
      const wrong = spawnSync(tsc, ['-p', work], { encoding: 'utf8' });
      assert.notEqual(wrong.status, 0);
      assert.match(wrong.stdout, /Type 'string' is not assignable to type 'number'[\s\S]*Type '"GBP"' is not assignable to type '"EUR" \| "USD"'/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('reports: makes a report and the SOC 2 package on the server, downloads them checked, lists them; needs a server', async () => {
    const csv = join(dir, 'logins.csv');
    const made = await cli(['reports', 'create', '--type', 'login_activity', '--from', 'now-1d', '--format', 'csv', '--out', csv, '--json'], remote);
    assert.equal(made.code, 0, made.stderr);
    const report = JSON.parse(made.stdout);
    assert.equal(report.file, csv);
    assert.equal(createHash('sha256').update(readFileSync(csv)).digest('hex'), report.sha256, 'the file is what the server made');

    const zip = join(dir, 'soc2.zip');
    const soc2 = await cli(['reports', 'create', '--type', 'soc2', '--from', 'now-1d', '--out', zip], remote);
    assert.equal(soc2.code, 0, soc2.stderr);
    assert.match(soc2.stdout, /soc2\.zip: soc2 zip, .* bytes, sha256 [0-9a-f]{64}/);
    const pem = join(dir, 'reports.pem');
    writeFileSync(pem, (await api('GET', '/v1/integrity/public-key')).body.pem);
    const verified = await cli(['verify', '--package', zip, '--public-key', pem], {});
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);

    const listed = JSON.parse((await cli(['reports', 'list'], remote)).stdout) as { id: string; status: string }[];
    assert.deepEqual(listed.filter((r) => r.id === report.id).map((r) => r.status), ['done']);
    const bad = await cli(['reports', 'create', '--type', 'login_activity', '--from', 'yesterday-ish'], remote);
    assert.equal(bad.code, 1, 'the server refuses a period it cannot read');
    assert.match(bad.stderr, /stele: .*from/);
    const offline = await cli(['reports', 'list', '--tenant', tenantId], local);
    assert.equal(offline.code, 2);
    assert.match(offline.stderr, /made by a running Stele server: give --url and --key/);
  });

  it('tenants, keys and viewer tokens over HTTP with the admin token', async () => {
    const admin = { STELE_URL: stele.url, STELE_API_KEY: PROCESS_ADMIN_TOKEN };
    const created = await cli(['tenants', 'create', 'Remote Co'], admin);
    assert.equal(created.code, 0, created.stderr);
    const tenant = JSON.parse(created.stdout);
    assert.ok((JSON.parse((await cli(['tenants', 'list'], admin)).stdout) as { id: string }[]).some((t) => t.id === tenant.id));
    const made = JSON.parse((await cli(['keys', 'create', '--tenant', tenant.id, '--scopes', 'events:write', '--name', 'ci'], admin)).stdout);
    assert.match(made.key, /^stele_/);
    assert.deepEqual(JSON.parse((await cli(['keys', 'list', '--tenant', tenant.id], admin)).stdout).map((k: { name: string }) => k.name), ['ci']);
    assert.equal((await cli(['keys', 'revoke', '--tenant', tenant.id, made.id], admin)).code, 0);
    assert.equal((await api('POST', '/v1/events', { action: 'x' }, made.key)).status, 401);
    assert.deepEqual(JSON.parse((await cli(['viewer-tokens', 'list', '--tenant', tenant.id], admin)).stdout), []);
    const denied = await cli(['tenants', 'list'], remote);
    assert.equal(denied.code, 1, 'a tenant key may not list tenants');
    assert.match(denied.stderr, /stele: /);
  });

  it('witness: runs a witness that says where it listens and its cosigner key, and stops on SIGTERM', async () => {
    const noteKey = (await api('GET', '/v1/integrity/public-key')).body.note_key as string;
    const port = await freePort();
    const child = runCli(['witness', '--state-dir', join(dir, 'witness'), '--log-key', noteKey, '--name', 'witness.test/cli', '--port', String(port)], {});
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 400 && !output.includes('STELE_WITNESSES'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(output, new RegExp(`Stele witness witness.test/cli is listening on http://127.0.0.1:${port}`));
    assert.match(output, /cosigner key: witness\.test\/cli\+[0-9a-f]{8}\+\S+/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });

  it('exits 2 for a bad command line, 3 when the server does not answer, and says which local store it opened', async () => {
    const missing = await cli(['keys', 'create', '--tenant', 'x'], local);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /USAGE stele keys create[\s\S]*Missing required argument: --scopes/);
    assert.equal((await cli(['nonsense'], local)).code, 2);
    assert.equal((await cli(['tail', '--lines', 'many', '--tenant', tenantId], local)).code, 2);
    assert.equal((await cli(['send', '-', '--url', stele.url], { STELE_API_KEY: '' }, '{}')).code, 2, '--url without a key');
    const down = await cli(['checkpoint', '--url', `http://127.0.0.1:${await freePort()}`, '--key', key], {});
    assert.equal(down.code, 3, down.stderr);
    assert.match(down.stderr, /cannot reach Stele/);

    const empty = mkdtempSync(join(tmpdir(), 'stele-empty-'));
    try {
      const listed = await cli(['keys', 'list', '--tenant', 'nobody'], { STELE_DATA_DIR: empty, STELE_URL: '' });
      assert.match(listed.stderr, new RegExp(`store: SQLite \\(${empty}/stele\\.db\\)`));
      assert.match(listed.stderr, /warning: this store holds no tenants yet/);
      const migrated = await cli(['migrate'], { STELE_DATA_DIR: empty, STELE_URL: '' });
      assert.equal(migrated.code, 0);
      assert.doesNotMatch(migrated.stderr, /warning/, 'migrate makes no tenant and warns of none');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    const help = await cli(['proof', '--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^An event's inclusion proof.*\(stele proof v[\d.]+\)\n\nUSAGE stele proof /);
    assert.match(help.stdout, /EXAMPLES\n\n {2}stele proof/);
  });
});
