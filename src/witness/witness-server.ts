// `npx stele witness`: a C2SP tlog-witness HTTP server with its own key and state directory, meant
// to run on another machine than Stele (another operator, ideally). It answers one route,
// POST /add-checkpoint; GET / describes the witness (its name and cosigner key) for operators.

import { generateKeyPairSync, createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { ALG_COSIGNATURE_V1, parseVerifierKey, verifierKeyString, type VerifierKey } from '@stele/integrity';
import { createWitnessService } from './witness-service.js';
import { createWitnessState } from './witness-state.js';

const MAX_BODY_BYTES = 64 * 1024;

export interface WitnessServerOptions {
  stateDir: string;
  name: string;
  /** Stele instances' note keys (GET /v1/integrity/public-key → note_key) this witness accepts. */
  logKeys: readonly string[];
  host?: string;
  port?: number;
  now?: () => number;
}

export interface RunningWitness {
  url: string;
  /** The witness's cosigner key (vkey, algorithm 0x04): what Stele's STELE_WITNESSES and `stele verify --witness-key` take. */
  cosignerKey: string;
  server: Server;
  close(): Promise<void>;
}

/** The witness's Ed25519 key, made on first start in the state directory (0600). */
function loadWitnessKey(stateDir: string): KeyObject {
  const file = join(stateDir, 'witness-key.pem');
  if (!existsSync(file)) {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  }
  return createPrivateKey(readFileSync(file, 'utf8'));
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request) {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startWitnessServer(options: WitnessServerOptions): Promise<RunningWitness> {
  const logKeys: VerifierKey[] = options.logKeys.map((key) => parseVerifierKey(key));
  if (logKeys.length === 0) throw new Error('a witness needs at least one log key (--log-key, the note_key of GET /v1/integrity/public-key)');
  const state = createWitnessState(options.stateDir);
  const privateKey = loadWitnessKey(options.stateDir);
  const cosignerKey = verifierKeyString(options.name, privateKey, ALG_COSIGNATURE_V1);
  const witness = createWitnessService({ state, name: options.name, privateKey, logKeys, ...(options.now && { now: options.now }) });

  const server = createServer((request, response) => {
    const reply = (status: number, contentType: string, body: string) => {
      response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
    };
    if (request.method === 'GET' && request.url === '/') {
      reply(200, 'application/json', `${JSON.stringify({ name: options.name, cosigner_key: cosignerKey, logs: logKeys.map((k) => `${k.name}/*`) })}\n`);
      return;
    }
    if (request.url !== '/add-checkpoint') return reply(404, 'text/plain', 'not found\n');
    if (request.method !== 'POST') return reply(405, 'text/plain', 'use POST\n');
    readBody(request).then(async (body) => {
      if (body === undefined) return reply(413, 'text/plain', 'request too large\n');
      const answer = await witness.addCheckpoint(body);
      reply(answer.status, answer.contentType, answer.body);
    }).catch((error: unknown) => {
      console.error('witness: add-checkpoint failed', error);
      if (!response.headersSent) reply(500, 'text/plain', 'internal error\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 7380, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    cosignerKey,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
