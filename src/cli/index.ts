#!/usr/bin/env node
import { defineCommand, runMain, type CommandDef } from 'citty';
import { loadConfig } from '../config.js';
import { isSteleError } from '../domain/errors.js';
import { NoteError } from '@stele/integrity';
import { startServer, stopOnSignals } from '../server.js';
import { VERSION } from '../version.js';
import { keysCommand, tenantsCommand } from './_admin.js';
import { CLIError, withStore } from './_context.js';
import { usersCommand } from './_users.js';
import { verifyCommand } from './_verify.js';
import { witnessCommand } from './_witness.js';
import { viewerTokensCommand } from './_viewer-tokens.js';

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
    'viewer-tokens': viewerTokensCommand,
    verify: verifyCommand,
    witness: witnessCommand,
  },
});

// Expected failures (bad arguments, unknown tenant, unreadable file, bad checkpoint) print one
// line and exit 1; anything else is a bug and prints in full.
function isExpected(error: unknown): error is Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return error instanceof CLIError || isSteleError(error) || error instanceof NoteError || code === 'ENOENT' || code === 'EACCES' || code === 'ERR_OSSL_UNSUPPORTED';
}

function withFriendlyErrors(command: CommandDef): CommandDef {
  const { run, subCommands } = command;
  return {
    ...command,
    ...(run && {
      run: async (context) => {
        try {
          return await run(context);
        } catch (error) {
          if (!isExpected(error)) throw error;
          console.error(`stele: ${error.message}`);
          process.exit(1);
        }
      },
    }),
    ...(subCommands && {
      subCommands: Object.fromEntries(Object.entries(subCommands as Record<string, CommandDef>).map(([name, sub]) => [name, withFriendlyErrors(sub)])),
    }),
  };
}

await runMain(withFriendlyErrors(main as CommandDef));
