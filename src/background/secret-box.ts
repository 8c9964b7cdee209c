// Secrets Stele has to use again later (the password or private key of an SFTP export schedule, a
// stream's token, a notification webhook's signing secret) are sealed with AES-256-GCM under a key kept in a file, never in the database: a database dump,
// a backup or a DBA reading the records table sees ciphertext only. The sealed value is bound to
// what it belongs to (the AAD names the tenant and schedule), so it cannot be moved to another
// schedule. The price: every node sharing a database needs the same key file, like the signing
// key, and losing the file makes the sealed secrets unreadable (the schedules must be re-created).

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface SealedSecret {
  v: 1;
  /** Which key sealed it (a hash prefix of the key), so a node with another key can say so plainly. */
  key_id: string;
  iv: string;
  tag: string;
  data: string;
}

export interface SecretKey {
  key: Buffer;
  id: string;
  file: string;
}

const keyIdOf = (key: Buffer) => createHash('sha256').update('stele secret key id\n').update(key).digest('hex').slice(0, 16);

function fromText(text: string, file: string): SecretKey {
  const key = Buffer.from(text.trim(), 'base64url');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64url key`);
  return { key, id: keyIdOf(key), file };
}

/** Loads the configured key file (which must exist), or the data directory's, creating it (0600) on first use. */
export function loadSecretKey(options: { configuredFile: string | undefined; dataDir: string }): SecretKey {
  if (options.configuredFile) {
    if (!existsSync(options.configuredFile)) throw new Error(`STELE_SECRETS_KEY_FILE ${options.configuredFile} does not exist`);
    return fromText(readFileSync(options.configuredFile, 'utf8'), options.configuredFile);
  }
  const file = join(options.dataDir, 'secrets.key');
  if (existsSync(file)) return fromText(readFileSync(file, 'utf8'), file);
  mkdirSync(dirname(file), { recursive: true });
  const text = `${randomBytes(32).toString('base64url')}\n`;
  try {
    writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return fromText(readFileSync(file, 'utf8'), file);
    throw error;
  }
  chmodSync(file, 0o600);
  return fromText(text, file);
}

/**
 * Seals and opens JSON values. `context` is authenticated but not stored: opening with another
 * context fails. The key is read (or created) on first use, so an instance that never stores a
 * secret never makes a key file.
 */
export function createSecretBox(loadKey: () => SecretKey) {
  let loaded: SecretKey | undefined;
  const keyOf = () => (loaded ??= loadKey());

  function seal(value: unknown, context: string): SealedSecret {
    const { key, id } = keyOf();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return { v: 1, key_id: id, iv: iv.toString('base64url'), tag: cipher.getAuthTag().toString('base64url'), data: data.toString('base64url') };
  }

  function open<T>(sealed: SealedSecret, context: string): T {
    const { key, id } = keyOf();
    if (sealed.key_id !== id) {
      throw new Error(`the stored credentials were sealed with secrets key ${sealed.key_id}, but this node's key is ${id}: give every node the same STELE_SECRETS_KEY_FILE, or set the secret again`);
    }
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
    let text: string;
    try {
      text = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('the stored credentials do not open with this key for what they belong to (altered, or copied from elsewhere)');
    }
    return JSON.parse(text) as T;
  }

  return { seal, open };
}

export type SecretBox = ReturnType<typeof createSecretBox>;

/** How a stored secret is shown once it was set: never the value, only its last four characters. */
export function maskSecret(secret: string): string {
  return secret.length <= 8 ? '••••' : `••••${secret.slice(-4)}`;
}
