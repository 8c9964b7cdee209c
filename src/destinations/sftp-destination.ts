// An SFTP server as the destination of a scheduled export: what a tenant may ask for, split into
// the part stored and shown on the schedule (`SftpTarget`) and the part that is a secret and is
// only ever stored sealed (`SftpCredentials`, see secret-box.ts). No function here does I/O; the
// upload itself is sftp-upload.ts.

import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { SteleError } from '../domain/errors.js';

/** Stored on the schedule and returned by the API: nothing in it is a secret. */
export interface SftpTarget {
  host: string;
  port: number;
  username: string;
  /** Remote directory, absolute or relative to the account's login directory; created when missing. */
  path: string;
  auth: 'password' | 'private_key';
  /**
   * The OpenSSH fingerprint (`SHA256:...`) the server must present. When the schedule was created
   * without one, the first successful run pins the key it saw (OpenSSH's `accept-new`).
   */
  host_key_sha256: string | null;
}

/** Never returned, logged nor recorded: stored sealed, opened only to connect. */
export interface SftpCredentials {
  password?: string;
  private_key?: string;
  passphrase?: string;
}

/** The `sftp` member of a schedule request, as sent. */
export interface SftpDestinationRequest {
  host: string;
  port?: number;
  username: string;
  path: string;
  password?: string;
  private_key?: string;
  passphrase?: string;
  host_key_sha256?: string;
}

/**
 * Which hosts tenants may send exports to (STELE_EXPORT_SFTP_HOSTS): `undefined` allows any,
 * otherwise exact names or `*.example.com` suffixes; an empty list turns SFTP destinations off.
 */
export type SftpHostAllowList = readonly string[] | undefined;

const invalid = (field: string, message: string) =>
  new SteleError('invalid_request', `sftp.${field} ${message}`, [{ field: `sftp.${field}`, message }]);

const CONTROL = /[\u0000-\u001f\u007f]/;
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

/** The OpenSSH `SHA256:` fingerprint of a public key blob (what `ssh-keygen -l -E sha256` prints). */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

export function hostAllowed(allow: SftpHostAllowList, host: string): boolean {
  if (allow === undefined) return true;
  const name = host.toLowerCase();
  return allow.some((entry) => {
    const pattern = entry.toLowerCase();
    return pattern.startsWith('*.') ? name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1 : name === pattern;
  });
}

/** Checks a request and splits it into the stored target and the secret credentials; throws invalid_request naming the field. */
export function sftpDestinationFrom(request: SftpDestinationRequest, allow: SftpHostAllowList): { target: SftpTarget; credentials: SftpCredentials } {
  const host = request.host.trim();
  if (!/^[A-Za-z0-9._:-]{1,253}$/.test(host)) throw invalid('host', 'must be a host name or an IP address');
  if (!hostAllowed(allow, host)) {
    throw invalid('host', allow?.length ? 'is not among the hosts this server may export to (STELE_EXPORT_SFTP_HOSTS)' : 'cannot be used: SFTP destinations are turned off on this server (STELE_EXPORT_SFTP_HOSTS)');
  }
  const port = request.port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw invalid('port', 'must be an integer from 1 to 65535');
  if (request.username === '' || request.username.length > 128 || CONTROL.test(request.username)) throw invalid('username', 'must be 1 to 128 printable characters');
  if (request.path === '' || request.path.length > 500 || CONTROL.test(request.path)) throw invalid('path', 'must be 1 to 500 printable characters');

  let host_key_sha256: string | null = null;
  if (request.host_key_sha256 !== undefined) {
    if (!FINGERPRINT.test(request.host_key_sha256)) throw invalid('host_key_sha256', 'must be an OpenSSH fingerprint like SHA256:<43 base64 characters> (ssh-keygen -l -E sha256 -f <host key>.pub)');
    host_key_sha256 = request.host_key_sha256.replace(/=$/, '');
  }

  const { password, private_key, passphrase } = request;
  if ((password === undefined) === (private_key === undefined)) throw invalid('password', 'or sftp.private_key: give exactly one');
  let credentials: SftpCredentials;
  if (password !== undefined) {
    if (password === '' || password.length > 1024) throw invalid('password', 'must be 1 to 1024 characters');
    if (passphrase !== undefined) throw invalid('passphrase', 'only goes with a private_key');
    credentials = { password };
  } else {
    if (private_key!.length > 16_384) throw invalid('private_key', 'is longer than 16 KiB');
    // Parsed now so a bad key is refused at creation, not at the first run. The message says why
    // (format, missing passphrase) without repeating any of the key.
    const parsed = ssh2.utils.parseKey(private_key!, passphrase);
    if (parsed instanceof Error) throw invalid('private_key', `cannot be used: ${parsed.message}`);
    if (!(Array.isArray(parsed) ? parsed[0] : parsed)?.isPrivateKey()) throw invalid('private_key', 'must be a private key');
    credentials = { private_key: private_key!, ...(passphrase !== undefined && { passphrase }) };
  }

  return {
    target: { host, port, username: request.username, path: request.path, auth: password !== undefined ? 'password' : 'private_key', host_key_sha256 },
    credentials,
  };
}

/** How a target is named in events and errors: `sftp://user@host:port/abs/path` or `.../~/relative/path`. */
export function describeSftp(target: SftpTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const path = target.path.startsWith('/') ? target.path : `/~/${target.path}`;
  return `sftp://${target.username}@${host}:${target.port}${path}`;
}
