// `stele serve --workers N`: N HTTP worker processes on one port (node:cluster; the primary
// accepts connections and hands them to the workers in turn). Each worker is a whole Stele
// server: background work (exports, schedules, streams, reports, the checkpoint sweep) is shared
// through leases in PostgreSQL (src/background/lease.ts), so it runs once at a time across the
// workers, exactly as across separate machines. The primary prepares what must exist only once
// before the workers race for it (migrations, the signing and secrets key files), forks them,
// says when all listen, replaces one that dies, and on SIGTERM/SIGINT lets each drain.
//
// SQLite is refused: its file takes one writer at a time, and each worker would hold its own
// group-commit queue and wait on the others' locks (busy timeouts, 503s) instead of sharing one.

import cluster, { type Worker } from 'node:cluster';
import pino from 'pino';
import type { Config } from './config.js';
import { loadSecretKey } from './background/secret-box.js';
import { loadSigningKey } from './checkpoints/signing-key.js';
import { openGeoIp } from './geoip/geoip.js';
import { openStore } from './store/open-store.js';
import { startServer, stopOnSignals } from './server.js';

const WORKER_ENV = 'STELE_CLUSTER_WORKER';

/** Refuses settings a cluster cannot run with; the message says what to do instead. */
export function checkWorkers(config: Config, workers: number): void {
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new Error(`--workers must be a whole number from 1 to 256 (got ${workers}).`);
  }
  if (workers > 1 && !config.databaseUrl) {
    throw new Error('--workers above 1 needs PostgreSQL (STELE_DATABASE_URL): a SQLite file takes one writer at a time, so several processes on it would wait on each other. Run one process on SQLite (it already commits concurrent requests together), or move to PostgreSQL to run several.');
  }
}

/** Runs `stele serve` with `workers` processes (checked by checkWorkers first); 1 is the plain single-process server. */
export async function serve(config: Config, workers: number): Promise<void> {
  if (cluster.isWorker) {
    const { stop } = await startServer(config, { worker: Number(process.env[WORKER_ENV]) });
    stopOnSignals(stop);
    return;
  }
  if (workers === 1) {
    const { stop } = await startServer(config);
    stopOnSignals(stop);
    return;
  }
  await prepareOnce(config);
  runPrimary(config, workers);
}

/** What every worker would otherwise make at its first start, at the same moment as the others. */
async function prepareOnce(config: Config): Promise<void> {
  // A GeoIP file the workers cannot use stops the server here, once, rather than in every worker.
  if (config.geoipDatabase) await openGeoIp(config.geoipDatabase);
  const store = openStore(config, pino({ level: config.logLevel }));
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  loadSigningKey({ configuredFile: config.integrity.signingKeyFile, dataDir: config.dataDir, name: config.integrity.logOrigin });
  if (!config.secretsKeyFile) loadSecretKey({ configuredFile: undefined, dataDir: config.dataDir });
}

function runPrimary(config: Config, workers: number): void {
  let stopping = false;
  const listening = new Set<number>();
  let announced = false;

  const fork = (index: number): Worker => {
    const worker = cluster.fork({ [WORKER_ENV]: String(index) });
    worker.on('listening', (address) => {
      listening.add(index);
      if (!announced && listening.size === workers) {
        announced = true;
        const host = config.host.includes(':') ? `[${config.host}]` : config.host;
        process.stdout.write(`Stele is listening on http://${host}:${address.port} with ${workers} worker processes (primary pid ${process.pid})\n`);
      }
    });
    worker.on('exit', (code, signal) => {
      const wasListening = listening.delete(index);
      if (stopping) return;
      if (!wasListening) {
        // It never started (bad configuration, the database unreachable at start): forking it
        // again would only fail again, so the whole server stops and says so.
        process.stderr.write(`worker ${index} exited before it listened (${signal ?? `code ${code}`}); stopping\n`);
        void shutdown(1);
        return;
      }
      process.stderr.write(`worker ${index} (pid ${worker.process.pid}) exited (${signal ?? `code ${code}`}); starting another\n`);
      fork(index);
    });
    return worker;
  };

  async function shutdown(exitCode: number): Promise<void> {
    stopping = true;
    const running = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
    await Promise.all(running.map((worker) => new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.process.kill('SIGTERM');
    })));
    process.exit(exitCode);
  }

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    process.stdout.write(`${signal}: each worker finishes its in-flight requests, then exits\n`);
    void shutdown(0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  for (let index = 1; index <= workers; index++) fork(index);
}
