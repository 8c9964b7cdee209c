// A real OpenSSH server on loopback for the SFTP tests: Debian's /usr/sbin/sshd started as the
// current user on a free port, with a host key, a client key and a config of its own in a temp
// directory, serving `internal-sftp`. The test runner (scripts/run-tests.mjs) says whether sshd is
// installed: under CI=true a missing sshd fails the run; elsewhere these suites skip and say why.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export const SSHD_BIN = process.env.STELE_TEST_SSHD_BIN ?? '/usr/sbin/sshd';
export const SSHD_SKIP_REASON = process.env.STELE_TEST_SSHD === '1'
  ? false
  : `OpenSSH server not installed (${SSHD_BIN}); apt-get install openssh-server to run these`;

export interface TestSshd {
  host: string;
  port: number;
  username: string;
  /** The server's host key fingerprint as `ssh-keygen -l -E sha256` prints it. */
  hostKeySha256: string;
  /** An OpenSSH private key that is in authorized_keys, and one that is not. */
  clientKey: string;
  strangerKey: string;
  /** Adds the stranger's public key to authorized_keys (sshd reads it at each login). */
  authorizeStranger(): void;
  /** A fresh directory to upload into (absolute path). */
  dropDir: string;
  /** sshd's log so far (stderr, -e), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

function newKey(path: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'stele-test', '-f', path]);
  return readFileSync(path, 'utf8');
}

export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'stele-sshd-'));
  newKey(join(dir, 'host_key'));
  newKey(join(dir, 'client_key'));
  newKey(join(dir, 'stranger_key'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'host_key.pub')], { encoding: 'utf8' }).split(' ')[1]!;
  const dropDir = join(dir, 'drop');
  mkdirSync(dropDir);
  writeFileSync(join(dir, 'sshd_config'), [
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PidFile none',
    'UsePAM no',
    'StrictModes no',
    // Only so that a password attempt as root is really checked (and fails), not refused by policy.
    'PermitRootLogin yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n'));
  // sshd started as root insists on its privilege separation directory, which the ssh service
  // creates at boot (tmpfiles.d); a container that never started the service lacks it.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const port = await freePort();
  let log = '';
  const child: ChildProcess = spawn(SSHD_BIN, ['-D', '-e', '-p', String(port), '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => { log += text; });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`sshd did not start in 10 s:\n${log}`)), 10_000);
    const onData = () => { if (log.includes('Server listening on')) done(); };
    const onExit = (code: number | null) => fail(new Error(`sshd exited (${code}) before listening:\n${log}`));
    function done() { clearTimeout(timer); child.stderr!.off('data', onData); child.off('exit', onExit); resolve(); }
    function fail(error: Error) { clearTimeout(timer); child.kill(); rmSync(dir, { recursive: true, force: true }); reject(error); }
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });

  return {
    host: '127.0.0.1', port, username: userInfo().username, hostKeySha256: fingerprint,
    clientKey: readFileSync(join(dir, 'client_key'), 'utf8'),
    strangerKey: readFileSync(join(dir, 'stranger_key'), 'utf8'),
    authorizeStranger: () => appendFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'stranger_key.pub'))),
    dropDir,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
