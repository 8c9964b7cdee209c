// Shared by CLI commands that work on the local store directly (no server needed).

import { loadConfig } from '../config.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/port.js';

export class CLIError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** Prints a command's result as indented JSON, for people and for scripts alike. */
export const printJson = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

export async function withStore<T>(work: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore(loadConfig());
  try {
    await store.migrate();
    return await work(store);
  } finally {
    await store.close();
  }
}
