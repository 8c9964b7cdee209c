// A PostgreSQL cluster of a test's own, to stop, restart and terminate connections of without
// disturbing the shared server other suites use: Debian's binaries (/usr/lib/postgresql/<version>/bin,
// the newest version installed), initdb into a temp directory, listening on a free loopback port,
// trust authentication. initdb refuses to run as root, so as root every command runs as
// the `postgres` OS user (runuser), which owns the directory.
//
// A streaming replica of one (startThrowawayPostgres({ replicaOf })) is made by `pg_basebackup -R`
// into a second cluster on another port: a hot standby that follows the first one's WAL.
//
// Where this cannot be done (no binaries, root without a postgres user) suites are skipped with the
// reason, except under CI=true, where they run and fail on it.

import { execFile, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);

export interface ThrowawayPostgres {
  port: number;
  /** A connection URL as the superuser `postgres` (database `postgres` unless named). */
  url(database?: string): string;
  /** Runs one statement as the superuser, on a connection of its own. */
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** `pg_ctl stop -m fast`: open connections are terminated, new ones refused until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** The server's log so far, for failure messages. */
  log(): string;
  /** Stops the server and deletes its directory. */
  destroy(): Promise<void>;
}

function newestBinDir(): string | undefined {
  if (process.env.STELE_TEST_PG_BIN) return process.env.STELE_TEST_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
}

const asRoot = process.getuid?.() === 0;

/** The postgres OS user's uid and gid, when running as root. */
function postgresUser(): { uid: number; gid: number } | undefined {
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function unavailableReason(): string | undefined {
  const bin = newestBinDir();
  if (!bin) return 'no PostgreSQL server binaries under /usr/lib/postgresql/<version>/bin (apt-get install postgresql, or set STELE_TEST_PG_BIN)';
  if (asRoot && !postgresUser()) return 'running as root, and there is no postgres OS user to run initdb as';
  if (asRoot && spawnSync('runuser', ['--help']).status !== 0) return 'running as root without runuser to run initdb as the postgres user';
  return undefined;
}

const reason = unavailableReason();
export const THROWAWAY_POSTGRES_SKIP_REASON: string | false =
  reason === undefined || process.env.CI === 'true' ? false : `cannot start a throw-away PostgreSQL: ${reason}`;

export interface ThrowawayOptions {
  /** Make this cluster a hot-standby streaming replica of that one (pg_basebackup -R), not a new one. */
  replicaOf?: ThrowawayPostgres;
}

export async function startThrowawayPostgres(options: ThrowawayOptions = {}): Promise<ThrowawayPostgres> {
  if (reason) throw new Error(`cannot start a throw-away PostgreSQL: ${reason}`);
  const bin = newestBinDir()!;
  const user = asRoot ? postgresUser()! : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'stele-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  // Run from the cluster's directory: the postgres user may not be allowed into the checkout's.
  const command = (name: string, args: string[]) =>
    (user ? run('runuser', ['-u', 'postgres', '--', join(bin, name), ...args], { cwd: dir }) : run(join(bin, name), args, { cwd: dir }));
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const settings = [
    `-p ${port}`, '-c listen_addresses=127.0.0.1', "-c unix_socket_directories=''",
    // Only the operating system crashing would lose what fsync=off leaves unsynced; tests stop the server, never the machine.
    '-c fsync=off',
    // What a replica needs of its primary (the defaults since PostgreSQL 10, said here so it stays so).
    '-c wal_level=replica', '-c max_wal_senders=4', '-c hot_standby=on',
  ].join(' ');

  const start = async () => {
    try {
      await command('pg_ctl', ['start', '-w', '-t', '30', '-D', dataDir, '-l', logFile, '-o', settings]);
    } catch (error) {
      throw new Error(`the throw-away PostgreSQL did not start: ${(error as Error).message}\n${log()}`);
    }
  };
  const stop = async () => {
    await command('pg_ctl', ['stop', '-w', '-t', '30', '-m', 'fast', '-D', dataDir]);
  };

  try {
    if (options.replicaOf) {
      // -R writes standby.signal and primary_conninfo: the copy starts as a standby following the primary.
      await command('pg_basebackup', ['-h', '127.0.0.1', '-p', String(options.replicaOf.port), '-U', 'postgres', '-D', dataDir, '-R', '-X', 'stream', '--no-sync', '-c', 'fast']);
    } else {
      await command('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
      // Replication connections from loopback (initdb's pg_hba.conf has them with -A trust; said here so it stays so).
      appendFileSync(join(dataDir, 'pg_hba.conf'), '\nhost replication postgres 127.0.0.1/32 trust\n');
    }
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    async query<R extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
      const client = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 10_000 });
      client.on('error', () => {}); // a stop() while connected; the query reports it
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as R[];
      } finally {
        await client.end().catch(() => {});
      }
    },
    stop,
    start,
    log,
    async destroy() {
      await stop().catch(() => {}); // already stopped
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
