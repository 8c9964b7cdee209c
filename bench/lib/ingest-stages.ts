// The stages of an ingest request, for summarising a server's CPU profile (ingest-profile.ts).

import type { Frame, Stage } from './cpu-profile.js';

const inFile = (...prefixes: string[]) => (frame: Frame) => prefixes.some((p) => frame.file.startsWith(p));

/**
 * The stages of an ingest request, in the order a sample is claimed: a sample whose stack holds a
 * frame of the authenticator and one of the store counts as authentication, one with a frame of
 * the store and one of Node's timers as the store.
 */
export const INGEST_STAGES: Stage[] = [
  { name: 'waiting (idle event loop)', matches: (f) => f.name === '(idle)' },
  { name: 'garbage collection', matches: (f) => f.name === '(garbage collector)' },
  { name: 'V8 and native, unattributed', matches: (f) => f.name === '(program)' },
  { name: 'authentication (key lookup)', matches: inFile('src/auth/', 'src/http/guards.ts') },
  { name: 'JSON body (UTF-8 check, parse, I-JSON)', matches: inFile('src/http/json-body.ts', 'src/domain/i-json.ts') },
  { name: 'validation', matches: inFile('src/ingest/validate-events.ts') },
  { name: 'ingest service (ids, input fingerprints, event types, redaction)', matches: inFile('src/ingest/', 'src/event-types/', 'src/retention/') },
  { name: 'after commit (metrics, alerts, checkpoints, feed)', matches: inFile('src/alerts/', 'src/checkpoints/', 'src/feed/', 'prom-client/', 'src/api/metrics.ts') },
  // better-sqlite3 runs SQL on the main thread, as self time of its JavaScript caller.
  { name: 'SQLite BEGIN / COMMIT (the fsync)', matches: (f, leaf) => leaf && f.name === 'sqliteTransaction' },
  { name: 'sealing (leaf hashes, chain, Merkle nodes)', matches: inFile('packages/integrity/') },
  { name: 'event → row (columns, ip, details text)', matches: inFile('src/store/event-rows.ts', 'src/store/row-values.ts') },
  { name: 'PostgreSQL driver (pg)', matches: inFile('pg/', 'pg-protocol/', 'pg-pool/', 'pg-types/', 'pg-copy-streams/') },
  { name: 'store: statements, planning, head', matches: inFile('src/store/', 'better-sqlite3/') },
  { name: 'logging (pino)', matches: inFile('pino/', 'pino-std-serializers/', 'sonic-boom/') },
  { name: 'Fastify (routing, hooks, reply)', matches: inFile('fastify/', 'find-my-way/', 'avvio/', '@fastify/', 'fast-json-stringify/', 'src/http/', 'src/api/', 'src/dashboard/') },
  { name: 'Node HTTP, streams and sockets', matches: inFile('node:') },
];
