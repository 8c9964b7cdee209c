// Uploads finished local files to an SFTP server: connect (checking the server's host key before
// any credential is sent), create the remote directory, then for each file write `<name>.partial`,
// check its size and rename it, so a reader of the remote directory never sees half a file. Files
// go in the order given: the manifest last, so its presence means the artifact is complete.

import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import ssh2 from 'ssh2';
import type { SFTPWrapper } from 'ssh2';
import { describeSftp, hostKeyFingerprint, type SftpCredentials, type SftpTarget } from './sftp-destination.js';

export interface UploadFile {
  localPath: string;
  /** File name in the target's directory. */
  name: string;
}

export interface UploadResult {
  /** The fingerprint of the host key the server presented (and that matched, if one was pinned). */
  hostKeySha256: string;
  remotePaths: string[];
}

export interface UploadOptions {
  /** How long the TCP connect plus SSH handshake and authentication may take. */
  readyTimeoutMs?: number;
  signal?: AbortSignal;
}

/** A host key that is not the pinned one: nothing was sent, no credential offered. */
export class HostKeyMismatchError extends Error {
  constructor(readonly expected: string, readonly presented: string, where: string) {
    super(`${where}: host key mismatch, refusing to connect: expected ${expected}, the server presented ${presented} (if the server's key changed on purpose, re-create the schedule with the new host_key_sha256)`);
    this.name = 'HostKeyMismatchError';
  }
}

const call = <T = void>(run: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value as T))));

/** A clean-up step on a connection that may already be broken: give up after a few seconds. */
const briefly = <T>(promise: Promise<T>, ms = 5000): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
};

async function exists(sftp: SFTPWrapper, path: string): Promise<boolean> {
  try {
    await call<unknown>((done) => sftp.stat(path, done));
    return true;
  } catch {
    return false;
  }
}

/** `mkdir -p`: each missing component in turn (a concurrent creator is fine). */
async function makeDirectories(sftp: SFTPWrapper, path: string): Promise<void> {
  const parts = path.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    if (prefix === '' || prefix === '.' || (await exists(sftp, prefix))) continue;
    try {
      await call((done) => sftp.mkdir(prefix, done));
    } catch (error) {
      if (!(await exists(sftp, prefix))) throw new Error(`cannot create directory ${prefix}: ${(error as Error).message}`);
    }
  }
}

function connect(client: ssh2.Client, target: SftpTarget, credentials: SftpCredentials, options: UploadOptions, where: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let presented = '';
    let mismatch: HostKeyMismatchError | undefined;
    // Kept for the life of the client: an 'error' event without a listener would crash the process.
    client.on('error', (error) => reject(mismatch ?? error));
    client.once('close', () => reject(mismatch ?? new Error('the connection closed before the session was ready')));
    client.once('ready', () => resolve(presented));
    client.connect({
      host: target.host,
      port: target.port,
      username: target.username,
      readyTimeout: options.readyTimeoutMs ?? 20_000,
      // Synchronous (one parameter): checked before authentication, so a wrong server never sees a credential.
      hostVerifier: (key: Buffer) => {
        presented = hostKeyFingerprint(key);
        if (target.host_key_sha256 === null || presented === target.host_key_sha256) return true;
        mismatch = new HostKeyMismatchError(target.host_key_sha256, presented, where);
        return false;
      },
      ...(credentials.password !== undefined
        ? { password: credentials.password }
        : { privateKey: credentials.private_key!, ...(credentials.passphrase !== undefined && { passphrase: credentials.passphrase }) }),
      tryKeyboard: false,
    });
  });
}

/** Error messages name the destination and never carry a credential, even if a server echoed one. */
function scrubbed(error: unknown, credentials: SftpCredentials, where: string): Error {
  if (error instanceof HostKeyMismatchError) return error;
  let message = error instanceof Error ? error.message : String(error);
  for (const secret of [credentials.password, credentials.passphrase, credentials.private_key]) {
    if (secret) message = message.split(secret).join('[redacted]');
  }
  if (/authentication methods failed/i.test(message)) message = `authentication failed for ${credentialKind(credentials)} (${message})`;
  return new Error(`${where}: ${message}`);
}

const credentialKind = (credentials: SftpCredentials) => (credentials.password !== undefined ? 'the password' : 'the private key');

/** Uploads `files` into `target.path`, in order; throws an Error naming the destination and the step that failed. */
export async function uploadOverSftp(target: SftpTarget, credentials: SftpCredentials, files: UploadFile[], options: UploadOptions = {}): Promise<UploadResult> {
  const where = `SFTP ${describeSftp(target)}`;
  const client = new ssh2.Client();
  const onAbort = () => client.end();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const partials: string[] = [];
  let sftp: SFTPWrapper | undefined;
  try {
    options.signal?.throwIfAborted();
    const presented = await connect(client, target, credentials, options, where);
    const session = await call<SFTPWrapper>((done) => client.sftp(done));
    sftp = session;
    await makeDirectories(session, target.path);
    const remotePaths: string[] = [];
    for (const file of files) {
      options.signal?.throwIfAborted();
      const remote = posix.join(target.path, file.name);
      const partial = `${remote}.partial`;
      partials.push(partial);
      await call((done) => session.fastPut(file.localPath, partial, done));
      const [local, written] = await Promise.all([stat(file.localPath), call<{ size?: number }>((done) => session.stat(partial, done))]);
      if (written.size !== local.size) throw new Error(`${partial} holds ${written.size} bytes after upload, expected ${local.size}`);
      await call((done) => session.rename(partial, remote, done));
      partials.pop();
      remotePaths.push(remote);
    }
    return { hostKeySha256: presented, remotePaths };
  } catch (error) {
    // Leave no half file behind when we can help it; the final names were never written.
    options.signal?.throwIfAborted();
    for (const partial of partials) await briefly(call((done) => sftp!.unlink(partial, done))).catch(() => {});
    throw scrubbed(error, credentials, where);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    client.end();
  }
}
