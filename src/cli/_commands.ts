// The `stele` command tree (citty: commands are data), wrapped so expected failures print one
// line and exit with their code. index.ts runs it; tests walk it.

import { defineCommand, type CommandDef } from 'citty';
import { NoteError } from '@stele/integrity';
import { SteleApiError, SteleUnreachableError, VerificationError } from '@stele/sdk';
import { loadConfig } from '../config.js';
import { isSteleError } from '../domain/errors.js';
import { GeoIpError } from '../geoip/geoip.js';
import { VERSION } from '../version.js';
import { CLIError, EXIT, withStore } from './_context.js';
import { addExamples, loadCommand, type LazyCommand } from './_help.js';

const serveCommand = defineCommand({
  meta: { name: 'serve', description: 'Run the HTTP server (HOST, PORT, STELE_DATA_DIR, STELE_DATABASE_URL; README "Configuration")' },
  args: {
    workers: { type: 'string', description: 'HTTP worker processes on the one port (node:cluster; default 1). Above 1 needs PostgreSQL; background jobs still run once at a time across them' },
  },
  run: async ({ args }) => {
    // Loaded here, not at the top: the server is most of what `stele` could load (1.5 s of a
    // 1.8 s start on the 2-core machine), and every other command does without it.
    const { checkWorkers, serve } = await import('../cluster.js');
    const config = loadConfig();
    const workers = args.workers === undefined ? 1 : Number(args.workers);
    try {
      checkWorkers(config, workers);
    } catch (error) {
      throw new CLIError((error as Error).message, EXIT.usage);
    }
    await serve(config, workers);
  },
});
addExamples(serveCommand, [
  'stele serve',
  'PORT=9000 STELE_DATABASE_URL=postgres://stele@db:5432/stele stele serve',
  'STELE_DATABASE_URL=postgres://stele@db:5432/stele stele serve --workers 2',
]);

const migrateCommand = defineCommand({
  meta: { name: 'migrate', description: 'Apply database migrations to the local store and exit' },
  run: () => withStore(async (store) => process.stdout.write(`migrated (${store.engine})\n`), { expectTenants: false }),
});
addExamples(migrateCommand, ['stele migrate', 'STELE_DATABASE_URL=postgres://stele@db:5432/stele stele migrate']);

// Each command's module is loaded when that command runs (or its help is shown), not at start:
// together they load the store, the server's domain and the SDK, about a second on the 2-core
// machine, where one command needs a third of it.
const tree = defineCommand({
  meta: { name: 'stele', version: VERSION, description: 'Tamper-evident audit log service' },
  subCommands: {
    serve: serveCommand,
    migrate: migrateCommand,
    tenants: () => import('./_admin.js').then((m) => m.tenantsCommand),
    keys: () => import('./_admin.js').then((m) => m.keysCommand),
    users: () => import('./_users.js').then((m) => m.usersCommand),
    'viewer-tokens': () => import('./_viewer-tokens.js').then((m) => m.viewerTokensCommand),
    streams: () => import('./_streams.js').then((m) => m.streamsCommand),
    alerts: () => import('./_alerts.js').then((m) => m.alertsCommand),
    reports: () => import('./_reports.js').then((m) => m.reportsCommand),
    retention: () => import('./_retention.js').then((m) => m.retentionCommand),
    send: () => import('./_send.js').then((m) => m.sendCommand),
    tail: () => import('./_tail.js').then((m) => m.tailCommand),
    export: () => import('./_export.js').then((m) => m.exportCommand),
    verify: () => import('./_verify.js').then((m) => m.verifyCommand),
    checkpoint: () => import('./_checkpoint.js').then((m) => m.checkpointCommand),
    proof: () => import('./_proof.js').then((m) => m.proofCommand),
    bench: () => import('./_bench.js').then((m) => m.benchCommand),
    sdk: () => import('./_sdk.js').then((m) => m.sdkCommand),
    witness: () => import('./_witness.js').then((m) => m.witnessCommand),
  },
});
addExamples(tree, [
  'stele serve',
  'stele tenants create Acme && stele keys create --tenant 01J... --scopes events:write,audit:read',
  'stele tail --url http://127.0.0.1:8080 --key $STELE_API_KEY --q "action:login.failed"',
]);

/** The exit code of an expected failure, or undefined for a bug (which prints in full). */
function exitCodeOf(error: unknown): number | undefined {
  if (error instanceof CLIError) return error.exitCode;
  if (error instanceof GeoIpError) return EXIT.usage; // STELE_GEOIP_DATABASE names a file the server cannot use
  if (error instanceof SteleUnreachableError) return EXIT.unreachable;
  if (error instanceof SteleApiError) return error.status === 503 || error.status === 502 || error.status === 504 ? EXIT.unreachable : EXIT.failed;
  if (isSteleError(error)) return error.code === 'unavailable' ? EXIT.unreachable : EXIT.failed;
  if (error instanceof NoteError || error instanceof VerificationError) return EXIT.failed;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === '57P03' || code === '3D000') return EXIT.unreachable;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ERR_OSSL_UNSUPPORTED') return EXIT.failed;
  return undefined;
}

// Expected failures print one line and exit with their code; anything else is a bug and prints in full.
function withFriendlyErrors(command: CommandDef): CommandDef {
  const { run, subCommands } = command;
  return {
    ...command,
    ...(run && {
      run: async (context) => {
        try {
          return await run(context);
        } catch (error) {
          const exitCode = exitCodeOf(error);
          if (exitCode === undefined) throw error;
          console.error(`stele: ${(error as Error).message}`);
          process.exit(exitCode);
        }
      },
    }),
    ...(subCommands && {
      subCommands: Object.fromEntries(Object.entries(subCommands as Record<string, LazyCommand>).map(([name, sub]) => [name, async () => withFriendlyErrors(await loadCommand(sub))])),
    }),
  };
}

/** The whole `stele` command, ready to run. */
export const main: CommandDef = withFriendlyErrors(tree as CommandDef);
