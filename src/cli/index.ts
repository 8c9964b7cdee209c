#!/usr/bin/env node
import { defineCommand, runMain } from 'citty';
import { loadConfig } from '../config.js';
import { isSteleError } from '../domain/errors.js';
import { startServer, stopOnSignals } from '../server.js';
import { VERSION } from '../version.js';
import { keysCommand, tenantsCommand } from './_admin.js';
import { CLIError, withStore } from './_context.js';
import { usersCommand } from './_users.js';
import { verifyCommand } from './_verify.js';

const main = defineCommand({
  meta: { name: 'stele', version: VERSION, description: 'Tamper-evident audit log service' },
  subCommands: {
    serve: defineCommand({
      meta: { description: 'Run the HTTP server (HOST, PORT, STELE_DATA_DIR, STELE_DATABASE_URL)' },
      run: async () => {
        const { stop } = await startServer(loadConfig());
        stopOnSignals(stop);
      },
    }),
    migrate: defineCommand({
      meta: { description: 'Apply database migrations and exit' },
      run: () => withStore(async (store) => process.stdout.write(`migrated (${store.engine})\n`)),
    }),
    tenants: tenantsCommand,
    keys: keysCommand,
    users: usersCommand,
    verify: verifyCommand,
  },
});

// Expected failures (bad arguments, unknown tenant) print one line; anything else in full.
process.on('unhandledRejection', (error) => {
  if (error instanceof CLIError || isSteleError(error)) {
    console.error(`stele: ${(error as Error).message}`);
    process.exit(1);
  }
  console.error(error);
  process.exit(1);
});

await runMain(main);
