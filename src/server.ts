// Starting and stopping the service: migrate, make sure there is an admin token, listen, and on
// SIGTERM/SIGINT drain: stop accepting, let in-flight requests finish, flush pending appends,
// close the store. Nothing acknowledged is lost because nothing is acknowledged before commit.

import pino from 'pino';
import { buildApp } from './api/app.js';
import { createMetrics } from './api/metrics.js';
import { ensureAdminToken } from './auth/authenticate.js';
import { SYSTEM_REQUESTER } from './audit-trail/requester.js';
import { SYSTEM_TENANT_ID } from './audit-trail/system-log.js';
import type { Config } from './config.js';
import { describeStore, openStore } from './store/open-store.js';
import { loadSigningKey } from './checkpoints/signing-key.js';
import { nativeProblem } from './native/native-addons.js';
import { openGeoIp } from './geoip/geoip.js';

export interface StartOptions {
  /** Set in a worker of `stele serve --workers N` (cluster.ts): its number, from 1. */
  worker?: number;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<{ url: string; stop: () => Promise<void> }> {
  const logger = pino({ level: config.logLevel });
  // Before the store: a GeoIP file it cannot use stops start-up with nothing else done.
  const geoip = config.geoipDatabase ? await openGeoIp(config.geoipDatabase) : undefined;
  // Made before the store, which reports its commit groups to them.
  const metrics = createMetrics();
  const onCommitted = ({ jobs, events }: { jobs: number; events: number }) => {
    metrics.commitGroupEvents.observe(events);
    metrics.commitGroupAppends.observe(jobs);
  };
  const store = openStore({ ...config, groupCommit: { ...config.groupCommit, onCommitted }, sqliteCheckpoints: 'thread' }, logger);
  await store.migrate();
  const admin = await ensureAdminToken(store, config.adminToken);
  const signingKey = loadSigningKey({ configuredFile: config.integrity.signingKeyFile, dataDir: config.dataDir, name: config.integrity.logOrigin });
  const { app, startDraining, trail } = await buildApp({ config, store, signingKey, logger, metrics, storeFromConfig: true, ...(geoip && { geoip }) });
  if (admin.generated) {
    await trail.record(SYSTEM_TENANT_ID, { action: 'settings.changed', ...SYSTEM_REQUESTER, target: { type: 'setting', id: 'admin_token' }, details: { setting: 'admin_token', change: 'generated at first start' } });
  }
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  // In a cluster the primary says when every worker listens; each worker names itself, the first in full.
  const worker = options.worker;
  const banner = [
    worker === undefined ? `Stele is listening on ${url}` : `Stele worker ${worker} (pid ${process.pid}) is serving ${url}`,
    `  store: ${describeStore(config)}`,
    `  API docs: ${url}/docs`,
    `  checkpoint signing key: ${signingKey.file}${signingKey.generated ? ' (generated now; back it up, keep it out of the database host)' : ''}`,
    `  log origin: ${config.integrity.logOrigin} (each tenant's checkpoints: ${config.integrity.logOrigin}/<tenant id>)`,
    `  verifier key: ${signingKey.noteKey}`,
    `  stream delivery: ${config.streams.thread ? 'a thread of its own (STELE_STREAM_THREAD=off: the serving thread)' : 'the serving thread (STELE_STREAM_THREAD=off)'}`,
    `  alert evaluation: ${config.alertThread ? 'a thread of its own (STELE_ALERT_THREAD=off: the serving thread)' : 'the serving thread (STELE_ALERT_THREAD=on: a thread of its own)'}`,
    `  GeoIP: ${geoip ? `${geoip.description} (${config.geoipDatabase}): events get geo.country from context.ip` : 'none (STELE_GEOIP_DATABASE unset)'}`,
    `  verification speed-ups: ${nativeProblem === undefined ? 'native' : `not in use, ${nativeProblem} (see native/README.md)`}`,
  ];
  if (admin.generated) {
    banner.push(
      '',
      `  Instance admin token (shown once, store it now): ${admin.generated}`,
      '  Set STELE_ADMIN_TOKEN to choose your own instead.',
    );
  } else if (!config.adminToken) {
    banner.push('  Admin token: the one printed on first start (or set STELE_ADMIN_TOKEN).');
  }
  const lines = worker === undefined || worker === 1 ? banner : [banner[0]!, ...(admin.generated ? banner.slice(-3) : [])];
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    startDraining();
    const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
    await app.close();
    clearInterval(sweep);
    await store.close();
  })());
  return { url, stop };
}

export function stopOnSignals(stop: () => Promise<void>): void {
  const onSignal = (signal: NodeJS.Signals) => {
    process.stdout.write(`${signal}: finishing in-flight requests, then exiting\n`);
    stop().then(() => process.exit(0), (error) => {
      console.error(error);
      process.exit(1);
    });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
