// Configuration is read from the environment once, validated, frozen and handed to the app.

import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { DEFAULT_DATABASE_TIMEOUTS, type DatabaseTimeouts } from './store/database-timeouts.js';
import { DEFAULT_GROUP_MAX_EVENTS, type GroupCommitOptions } from './store/batching-queue.js';

export interface Limits {
  maxBodyBytes: number;
  maxBatchSize: number;
  maxStringLength: number;
  maxLongStringLength: number;
  maxJsonDepth: number;
  maxDetailsBytes: number;
  maxClockSkewMs: number;
}

export interface IntegrityConfig {
  /** PEM file with the Ed25519 private key; default <dataDir>/signing-key.pem, created on first start. */
  signingKeyFile: string | undefined;
  /**
   * The log's origin (STELE_LOG_ORIGIN, a schema-less URL such as audit.example.com/stele): each
   * tenant's checkpoint origin is `<logOrigin>/<tenant id>`, and the signing key's name is this.
   */
  logOrigin: string;
  checkpointEveryEvents: number;
  checkpointEverySeconds: number;
  /** Append every checkpoint to this file (outside the database). */
  checkpointFile: string | undefined;
  /** POST every checkpoint to this URL (outside the database). */
  checkpointWebhookUrl: string | undefined;
  /** Witnesses that cosign each checkpoint (STELE_WITNESSES: `<url> <cosigner vkey>` entries separated by `;`). */
  witnesses: readonly { url: string; key: string }[];
}

/** The SMTP server Stele sends e-mail through (reports, notifications): STELE_SMTP_*. */
export interface SmtpConfig {
  host: string;
  port: number;
  /** `tls`: TLS from the first byte (port 465); `starttls`: upgrade required; `none`: plain (tests, local relays). */
  security: 'tls' | 'starttls' | 'none';
  user: string | undefined;
  password: string | undefined;
  /** The sender address. */
  from: string;
}

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  /** A PostgreSQL streaming replica for list, search, feed, export and verification reads (STELE_DATABASE_READ_URL). */
  databaseReadUrl: string | undefined;
  /** PostgreSQL schema for Stele's tables (default public). */
  databaseSchema: string | undefined;
  /** PostgreSQL's connect, statement and idle limits (STELE_DATABASE_*_TIMEOUT_MS). */
  databaseTimeouts: DatabaseTimeouts;
  adminToken: string | undefined;
  /** Bearer token /metrics asks for (STELE_METRICS_TOKEN); undefined: /metrics answers anyone who reaches it. */
  metricsToken: string | undefined;
  logLevel: string;
  /** Requests a minute per API key, dashboard user, viewer token or (unauthenticated) address (STELE_RATE_LIMIT_PER_MINUTE; 0 turns it off). */
  rateLimitPerMinute: number;
  /** Failed authentications (401) an address may have in a minute before it is refused outright (STELE_AUTH_FAILURES_PER_MINUTE; 0 turns it off). */
  authFailuresPerMinute: number;
  /**
   * Proxies whose X-Forwarded-For is believed (STELE_TRUSTED_PROXIES): addresses, CIDRs or
   * `loopback`, `linklocal`, `uniquelocal`. Empty: the client address is the socket's.
   */
  trustedProxies: readonly string[];
  limits: Limits;
  /** Backpressure on ingest (STELE_INGEST_QUEUE_LIMIT; undefined when 0: no bound). */
  ingestQueue: { maxWaitingEvents: number; retryAfterSeconds: number } | undefined;
  /** Bounds of a group commit (STELE_GROUP_COMMIT_MAX_EVENTS, STELE_GROUP_COMMIT_WAIT_MS; src/store/batching-queue.ts). */
  groupCommit: Required<Pick<GroupCommitOptions, 'maxEvents' | 'waitMs'>>;
  /** Most rows a synchronous export may return (STELE_EXPORT_MAX_ROWS); more needs a bulk export job. */
  exportMaxRows: number;
  /** Lifetime of a bulk export download link, seconds (STELE_EXPORT_LINK_TTL_SECONDS). */
  exportLinkTtlSeconds: number;
  /** Scheduled exports may only write under this directory (STELE_EXPORT_DIR_ROOT). */
  exportDirRoot: string;
  /** SFTP hosts scheduled exports may upload to (STELE_EXPORT_SFTP_HOSTS): undefined = any, [] = none. */
  exportSftpHosts: readonly string[] | undefined;
  /** Key that seals stored secrets such as SFTP credentials (STELE_SECRETS_KEY_FILE); default <dataDir>/secrets.key, made on first use. */
  secretsKeyFile: string | undefined;
  integrity: IntegrityConfig;
  /** Undefined without STELE_SMTP_HOST: e-mail destinations and notifications are refused. */
  smtp: SmtpConfig | undefined;
  streams: StreamsConfig;
  /** Evaluate alert rules on a thread of its own beside the one that serves requests (STELE_ALERT_THREAD=off: on that one). */
  alertThread: boolean;
  /** Where people reach this server (STELE_PUBLIC_URL, default http://HOST:PORT): links in alert notifications. */
  publicUrl: string;
  retention: RetentionConfig;
  /**
   * A MaxMind database (.mmdb, GeoLite2/GeoIP2 Country or City) to look up the country of each
   * event's context.ip at ingest (STELE_GEOIP_DATABASE, an absolute path once read); undefined: none.
   * Opened at start-up (src/geoip/geoip.ts), which fails on a file it cannot use.
   */
  geoipDatabase: string | undefined;
}

/** Retention (src/retention/README.md). */
export interface RetentionConfig {
  /** The window of a tenant that set none, in days; null keeps events forever (STELE_RETENTION_DAYS: 90, or `forever`). */
  defaultDays: number | null;
  /** How often the purge job looks for expired events, in seconds; 0 turns it off (STELE_RETENTION_PURGE_INTERVAL_SECONDS). */
  purgeIntervalSeconds: number;
  /** Events per purge batch: one forgetting transaction each (STELE_RETENTION_BATCH). */
  batchSize: number;
}

function retentionDays(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return 90;
  if (raw === 'forever') return null;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`STELE_RETENTION_DAYS must be a whole number of days >= 1, or forever (got "${raw}")`);
  return value;
}

/** Delivery of streams (src/streams/README.md). */
export interface StreamsConfig {
  /** How long failures in a row last before a stream is `failing` (STELE_STREAM_FAILING_AFTER_SECONDS). */
  failingAfterSeconds: number;
  /** The longest wait between retries; Retry-After may ask for more (STELE_STREAM_RETRY_MAX_SECONDS). */
  retryMaxSeconds: number;
  /** How long one request to a receiver may take (STELE_STREAM_TIMEOUT_SECONDS). */
  requestTimeoutSeconds: number;
  /** How soon another process takes over the streams of one that died (STELE_STREAM_LEASE_SECONDS). */
  leaseSeconds: number;
  /** Hosts streams may send to (STELE_STREAM_HOSTS): undefined = any, [] = none. */
  hosts: readonly string[] | undefined;
  /** Deliver on a thread of its own beside the one that serves requests (STELE_STREAM_THREAD=off: on that one). */
  thread: boolean;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min} (got "${raw}")`);
  return value;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxBodyBytes: 5 * 1024 * 1024,
  maxBatchSize: 1000,
  maxStringLength: 1024,
  maxLongStringLength: 8192,
  maxJsonDepth: 10,
  maxDetailsBytes: 64 * 1024,
  maxClockSkewMs: 5 * 60 * 1000,
});

// A schema-less URL: host, optional port, optional path; also a key name (no spaces, no '+').
const LOG_ORIGIN = /^[A-Za-z0-9][A-Za-z0-9.-]*(:\d{1,5})?(\/[A-Za-z0-9._~-]+)*$/;
// What the log was called before origins were URL-like; still taken from STELE_LOG_NAME.
const LEGACY_LOG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function logOrigin(env: NodeJS.ProcessEnv): string {
  const origin = env.STELE_LOG_ORIGIN;
  if (origin) {
    if (origin.length > 200 || !LOG_ORIGIN.test(origin)) throw new Error(`STELE_LOG_ORIGIN must be a schema-less URL such as audit.example.com/stele (got "${origin}")`);
    return origin;
  }
  const legacy = env.STELE_LOG_NAME;
  if (legacy) {
    if (!LEGACY_LOG_NAME.test(legacy)) throw new Error('STELE_LOG_NAME may hold letters, digits and . _ - (at most 64); prefer STELE_LOG_ORIGIN');
    return legacy;
  }
  return 'localhost/stele';
}

function witnesses(raw: string | undefined): { url: string; key: string }[] {
  return (raw ?? '').split(';').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    const [url, key, ...rest] = entry.split(/\s+/);
    if (!url || !key || rest.length > 0 || !/^https?:\/\//.test(url)) {
      throw new Error(`STELE_WITNESSES: each entry is "<http(s) url> <witness vkey>" (got "${entry}")`);
    }
    return { url, key };
  });
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on' || raw === 'off') return raw === 'on';
  throw new Error(`${name} must be on or off (got "${env[name]}")`);
}

function integrityConfig(env: NodeJS.ProcessEnv): IntegrityConfig {
  return {
    signingKeyFile: env.STELE_SIGNING_KEY_FILE || undefined,
    logOrigin: logOrigin(env),
    checkpointEveryEvents: integer(env, 'STELE_CHECKPOINT_EVERY_EVENTS', 1000, 1),
    checkpointEverySeconds: integer(env, 'STELE_CHECKPOINT_EVERY_SECONDS', 60, 1),
    checkpointFile: env.STELE_CHECKPOINT_FILE || undefined,
    checkpointWebhookUrl: env.STELE_CHECKPOINT_WEBHOOK_URL || undefined,
    witnesses: Object.freeze(witnesses(env.STELE_WITNESSES)),
  };
}

/** Unset or `*`: any host; `none`: such destinations off; otherwise a comma-separated list of names or `*.domain`. */
function hostAllowList(name: string, raw: string | undefined): readonly string[] | undefined {
  const value = raw?.trim();
  if (value === undefined || value === '' || value === '*') return undefined;
  if (value === 'none') return Object.freeze([]);
  const hosts = value.split(',').map((h) => h.trim()).filter(Boolean);
  for (const host of hosts) {
    if (!/^(\*\.)?[A-Za-z0-9._:-]+$/.test(host)) throw new Error(`${name}: "${host}" is not a host name, an address or *.domain`);
  }
  return Object.freeze(hosts);
}

function smtpConfig(env: NodeJS.ProcessEnv): SmtpConfig | undefined {
  const host = env.STELE_SMTP_HOST;
  if (!host) return undefined;
  const security = env.STELE_SMTP_SECURITY || 'starttls';
  if (security !== 'tls' && security !== 'starttls' && security !== 'none') throw new Error(`STELE_SMTP_SECURITY must be tls, starttls or none (got "${security}")`);
  const from = env.STELE_SMTP_FROM;
  if (!from) throw new Error('STELE_SMTP_FROM (the sender address of the e-mails Stele sends) is required with STELE_SMTP_HOST');
  return Object.freeze({
    host, port: integer(env, 'STELE_SMTP_PORT', security === 'tls' ? 465 : 587, 1), security,
    user: env.STELE_SMTP_USER || undefined, password: env.STELE_SMTP_PASSWORD || undefined, from,
  });
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** A comma-separated list of addresses, CIDRs or proxy-addr's names, as Fastify's trustProxy takes it. */
function trustedProxies(raw: string | undefined): readonly string[] {
  const entries = (raw ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, prefix, ...rest] = entry.split('/');
    const version = isIP(address!);
    const bits = version === 4 ? 32 : 128;
    const validPrefix = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (!PROXY_NAMES.has(entry) && (version === 0 || !validPrefix || rest.length > 0)) {
      throw new Error(`STELE_TRUSTED_PROXIES: "${entry}" is not an address, a CIDR (10.0.0.0/8) or one of ${[...PROXY_NAMES].join(', ')}`);
    }
  }
  return Object.freeze(entries);
}

/** Unset or empty: no token. A token short enough to guess is refused rather than trusted. */
function metricsToken(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 16 || /\s/.test(raw)) throw new Error('STELE_METRICS_TOKEN must be at least 16 characters without spaces (e.g. `openssl rand -hex 32`)');
  return raw;
}

function publicUrl(raw: string | undefined, host: string, port: number): string {
  if (raw === undefined || raw === '') return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/i.test(raw)) throw new Error(`STELE_PUBLIC_URL must be an http(s) URL such as https://audit.example.com (got "${raw}")`);
  return raw.replace(/\/+$/, '');
}

function databaseReadUrl(env: NodeJS.ProcessEnv): string | undefined {
  const url = env.STELE_DATABASE_READ_URL || undefined;
  if (url === undefined) return undefined;
  if (!env.STELE_DATABASE_URL) throw new Error('STELE_DATABASE_READ_URL is a PostgreSQL read replica: it needs STELE_DATABASE_URL (the primary) too');
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('STELE_DATABASE_READ_URL must be a postgres:// URL');
  return url;
}

/** Events waiting for their commit before ingest answers 503 `overloaded`; 0 turns the bound off. */
function ingestQueue(env: NodeJS.ProcessEnv): Config['ingestQueue'] {
  const maxWaitingEvents = integer(env, 'STELE_INGEST_QUEUE_LIMIT', 20_000, 0);
  const retryAfterSeconds = integer(env, 'STELE_INGEST_RETRY_AFTER_SECONDS', 1, 1);
  return maxWaitingEvents === 0 ? undefined : Object.freeze({ maxWaitingEvents, retryAfterSeconds });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const limits: Limits = {
    maxBodyBytes: integer(env, 'STELE_MAX_BODY_BYTES', DEFAULT_LIMITS.maxBodyBytes, 1024),
    maxBatchSize: integer(env, 'STELE_MAX_BATCH_SIZE', DEFAULT_LIMITS.maxBatchSize, 1),
    maxStringLength: integer(env, 'STELE_MAX_STRING_LENGTH', DEFAULT_LIMITS.maxStringLength, 16),
    maxLongStringLength: integer(env, 'STELE_MAX_LONG_STRING_LENGTH', DEFAULT_LIMITS.maxLongStringLength, 16),
    maxJsonDepth: integer(env, 'STELE_MAX_JSON_DEPTH', DEFAULT_LIMITS.maxJsonDepth, 1),
    maxDetailsBytes: integer(env, 'STELE_MAX_DETAILS_BYTES', DEFAULT_LIMITS.maxDetailsBytes, 2),
    maxClockSkewMs: integer(env, 'STELE_MAX_CLOCK_SKEW_SECONDS', DEFAULT_LIMITS.maxClockSkewMs / 1000, 0) * 1000,
  };
  const dataDir = resolve(env.STELE_DATA_DIR || './data');
  return Object.freeze({
    host: env.HOST || '127.0.0.1',
    port: integer(env, 'PORT', 8080),
    dataDir,
    databaseUrl: env.STELE_DATABASE_URL || undefined,
    databaseReadUrl: databaseReadUrl(env),
    databaseSchema: env.STELE_DATABASE_SCHEMA || undefined,
    databaseTimeouts: Object.freeze({
      connectMs: integer(env, 'STELE_DATABASE_CONNECT_TIMEOUT_MS', DEFAULT_DATABASE_TIMEOUTS.connectMs, 1),
      statementMs: integer(env, 'STELE_DATABASE_STATEMENT_TIMEOUT_MS', DEFAULT_DATABASE_TIMEOUTS.statementMs, 0),
      idleMs: integer(env, 'STELE_DATABASE_IDLE_TIMEOUT_MS', DEFAULT_DATABASE_TIMEOUTS.idleMs, 0),
    }),
    adminToken: env.STELE_ADMIN_TOKEN || undefined,
    metricsToken: metricsToken(env.STELE_METRICS_TOKEN),
    logLevel: env.STELE_LOG_LEVEL || 'info',
    rateLimitPerMinute: integer(env, 'STELE_RATE_LIMIT_PER_MINUTE', 60_000, 0),
    authFailuresPerMinute: integer(env, 'STELE_AUTH_FAILURES_PER_MINUTE', 60, 0),
    trustedProxies: trustedProxies(env.STELE_TRUSTED_PROXIES),
    limits: Object.freeze(limits),
    ingestQueue: ingestQueue(env),
    groupCommit: Object.freeze({
      maxEvents: integer(env, 'STELE_GROUP_COMMIT_MAX_EVENTS', DEFAULT_GROUP_MAX_EVENTS, 1),
      waitMs: integer(env, 'STELE_GROUP_COMMIT_WAIT_MS', 0, 0),
    }),
    integrity: Object.freeze(integrityConfig(env)),
    exportMaxRows: integer(env, 'STELE_EXPORT_MAX_ROWS', 100_000, 1),
    exportLinkTtlSeconds: integer(env, 'STELE_EXPORT_LINK_TTL_SECONDS', 24 * 3600, 1),
    exportDirRoot: resolve(env.STELE_EXPORT_DIR_ROOT || resolve(dataDir, 'scheduled')),
    exportSftpHosts: hostAllowList('STELE_EXPORT_SFTP_HOSTS', env.STELE_EXPORT_SFTP_HOSTS),
    secretsKeyFile: env.STELE_SECRETS_KEY_FILE || undefined,
    smtp: smtpConfig(env),
    publicUrl: publicUrl(env.STELE_PUBLIC_URL, env.HOST || '127.0.0.1', integer(env, 'PORT', 8080)),
    streams: Object.freeze({
      failingAfterSeconds: integer(env, 'STELE_STREAM_FAILING_AFTER_SECONDS', 300, 0),
      retryMaxSeconds: integer(env, 'STELE_STREAM_RETRY_MAX_SECONDS', 300, 1),
      requestTimeoutSeconds: integer(env, 'STELE_STREAM_TIMEOUT_SECONDS', 30, 1),
      leaseSeconds: integer(env, 'STELE_STREAM_LEASE_SECONDS', 30, 1),
      hosts: hostAllowList('STELE_STREAM_HOSTS', env.STELE_STREAM_HOSTS),
      thread: onOff(env, 'STELE_STREAM_THREAD', true),
    }),
    alertThread: onOff(env, 'STELE_ALERT_THREAD', true),
    geoipDatabase: env.STELE_GEOIP_DATABASE ? resolve(env.STELE_GEOIP_DATABASE) : undefined,
    retention: Object.freeze({
      defaultDays: retentionDays(env.STELE_RETENTION_DAYS),
      purgeIntervalSeconds: integer(env, 'STELE_RETENTION_PURGE_INTERVAL_SECONDS', 3600, 0),
      batchSize: integer(env, 'STELE_RETENTION_BATCH', 5000, 1),
    }),
  });
}
