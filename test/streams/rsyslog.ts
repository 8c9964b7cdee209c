// Debian's rsyslog as a real syslog receiver on loopback (recipe: /work/shared/tools/syslog-receiver.md):
// imtcp with RFC 6587 octet-counted framing, optionally TLS (RFC 5425, the openssl stream driver
// with a certificate made here), writing each message's raw bytes and an independent RFC 5424
// parse (mmpstrucdata for the structured data) to files the test reads. Runs as `nobody` when
// started as root, since rsyslog would otherwise want the system's log directories.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RSYSLOGD = '/usr/sbin/rsyslogd';
const OSSL_DRIVER = '/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so';

// scripts/run-tests.mjs says (STELE_TEST_RSYSLOG); under CI=true it fails rather than skip.
export const RSYSLOG_AVAILABLE = process.env.STELE_TEST_RSYSLOG === '1' || (process.env.STELE_TEST_RSYSLOG === undefined && existsSync(RSYSLOGD) && existsSync(OSSL_DRIVER));
export const RSYSLOG_SKIP = RSYSLOG_AVAILABLE ? false : 'rsyslog with its openssl driver is not installed (apt-get install rsyslog rsyslog-openssl)';

export interface ParsedMessage {
  pri: string; ver: string; ts: string; host: string; app: string; procid: string; msgid: string; sd_raw: string; msg: string; sd_json: string;
}

export interface Rsyslog {
  port: number;
  /** PEM of the self-signed certificate a TLS receiver presents (undefined for TCP). */
  ca: string | undefined;
  raw(): string[];
  parsed(): ParsedMessage[];
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
  chmodSync(key, 0o644);
  return { cert, key };
}

export async function startRsyslog(options: { tls?: boolean } = {}): Promise<Rsyslog> {
  const dir = mkdtempSync(join(tmpdir(), 'stele-rsyslog-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const tls = options.tls ? selfSignedCertificate(dir) : undefined;
  const driver = tls
    ? `global(DefaultNetstreamDriver="ossl" DefaultNetstreamDriverCAFile="${tls.cert}" DefaultNetstreamDriverCertFile="${tls.cert}" DefaultNetstreamDriverKeyFile="${tls.key}")\n`
    : '';
  const input = tls
    ? `input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="rx" StreamDriver.Name="ossl" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")`
    : `input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="rx")`;
  writeFileSync(join(dir, 'rsyslog.conf'), `global(workDirectory="${dir}" maxMessageSize="256k" parser.escapeControlCharactersOnReceive="off")
${driver}module(load="imtcp" ${tls ? 'StreamDriver.Name="ossl" StreamDriver.Mode="1" StreamDriver.AuthMode="anon"' : ''})
module(load="mmpstrucdata")
${input}
template(name="raw" type="string" string="%rawmsg%\\n")
template(name="parsed" type="list") {
  constant(value="{\\"pri\\":\\"") property(name="pri")
  constant(value="\\",\\"ver\\":\\"") property(name="protocol-version")
  constant(value="\\",\\"ts\\":\\"") property(name="timereported" dateFormat="rfc3339")
  constant(value="\\",\\"host\\":\\"") property(name="hostname" format="json")
  constant(value="\\",\\"app\\":\\"") property(name="app-name" format="json")
  constant(value="\\",\\"procid\\":\\"") property(name="procid" format="json")
  constant(value="\\",\\"msgid\\":\\"") property(name="msgid" format="json")
  constant(value="\\",\\"sd_raw\\":\\"") property(name="structured-data" format="json")
  constant(value="\\",\\"msg\\":\\"") property(name="msg" format="json")
  constant(value="\\",\\"sd_json\\":\\"") property(name="$!rfc5424-sd" format="json")
  constant(value="\\"}\\n")
}
ruleset(name="rx") {
  action(type="omfile" file="${dir}/raw.log" template="raw")
  action(type="mmpstrucdata" sd_name.lowercase="off")
  action(type="omfile" file="${dir}/parsed.log" template="parsed")
}
`);
  const check = spawnSync(RSYSLOGD, ['-N1', '-f', join(dir, 'rsyslog.conf')], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`rsyslog refused its configuration: ${check.stderr}`);

  let child: ChildProcess | undefined;
  const asRoot = process.getuid?.() === 0;
  async function start(): Promise<void> {
    const args = ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')];
    child = asRoot
      ? spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', RSYSLOGD, ...args], { stdio: 'ignore' })
      : spawn(RSYSLOGD, args, { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => { socket.destroy(); resolve(true); });
        socket.once('error', () => resolve(false));
      });
      if (up) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('rsyslog did not start listening');
  }
  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  }
  const lines = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8').split('\n').slice(0, -1) : []);

  await start();
  return {
    port,
    ca: tls ? readFileSync(tls.cert, 'utf8') : undefined,
    raw: () => lines('raw.log'),
    parsed: () => lines('parsed.log').map((line) => JSON.parse(line) as ParsedMessage),
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
