// The instance's Ed25519 signing key. It lives in a file, never in the database, so whoever can
// rewrite the database still cannot sign a checkpoint.

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { rawPublicKey, verifierKeyString } from '@stele/integrity';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The signed-note key name (the log name). */
  name: string;
  /** SPKI PEM of the public key. */
  publicPem: string;
  /** The signed-note verifier key string: <name>+<key id hex>+<base64(0x01 || key)>. */
  noteKey: string;
  file: string;
  generated: boolean;
}

function fromPem(pem: string, name: string, file: string, generated: boolean): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 private key`);
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    name,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    noteKey: verifierKeyString(name, rawPublicKey(publicKey)),
    file,
    generated,
  };
}

/** Loads the configured key file (which must exist), or the data directory's, creating it (0600) on first start. */
export function loadSigningKey(options: { configuredFile: string | undefined; dataDir: string; name: string }): SigningKey {
  if (options.configuredFile) {
    if (!existsSync(options.configuredFile)) throw new Error(`STELE_SIGNING_KEY_FILE ${options.configuredFile} does not exist`);
    return fromPem(readFileSync(options.configuredFile, 'utf8'), options.name, options.configuredFile, false);
  }
  const file = join(options.dataDir, 'signing-key.pem');
  if (existsSync(file)) return fromPem(readFileSync(file, 'utf8'), options.name, file, false);
  mkdirSync(dirname(file), { recursive: true });
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return fromPem(readFileSync(file, 'utf8'), options.name, file, false);
    throw error;
  }
  chmodSync(file, 0o600);
  return fromPem(pem, options.name, file, true);
}
