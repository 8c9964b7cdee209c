// Shared by CLI commands: the exit codes, the expected-failure error, JSON output, and opening the
// local store (saying which one, and warning when it holds no tenants: the usual sign of a
// STELE_DATA_DIR or STELE_DATABASE_URL that is not the server's).

import { loadConfig } from '../config.js';
import { describeStore, openStore } from '../store/open-store.js';
import type { Store } from '../store/port.js';

/** What `stele` exits with; README.md and every --help list them. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The command ran and the answer is no: the server or store refused, a check did not hold, events were refused. */
  failed: 1,
  /** Usage: an unknown command, a missing or bad option. */
  usage: 2,
  /** No answer: the server is unreachable, or the store could not be opened. */
  unreachable: 3,
} as const;

export class CLIError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.failed) {
    super(message);
  }
}

/** A bad option value: exit code 2. */
export const usageError = (message: string): CLIError => new CLIError(message, EXIT.usage);

/**
 * The whole number an option holds, from `min` to `max` (exit 2 otherwise); `fallback` when the
 * option is absent (undefined: it stays absent).
 */
export function wholeOption(name: string, value: string | undefined, range: { min: number; max?: number }): number | undefined;
export function wholeOption(name: string, value: string | undefined, range: { min: number; max?: number }, fallback: number): number;
export function wholeOption(name: string, value: string | undefined, { min, max = Number.MAX_SAFE_INTEGER }: { min: number; max?: number }, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const number = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max)) {
    throw usageError(`--${name} must be a whole number ${max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`} (got ${value})`);
  }
  return number;
}

/** Prints a command's result as indented JSON, for people and for scripts alike. */
export const printJson = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** Says on stderr (stdout is the command's answer) what a note about the run is. */
export const note = (text: string): void => void process.stderr.write(`${text}\n`);

export interface StoreOptions {
  /** Commands that make the first tenant (or need none) do not warn about an empty store. */
  expectTenants?: boolean;
}

/** Opens the configured store (migrated), runs `work`, closes it. */
export async function withStore<T>(work: (store: Store) => Promise<T>, options: StoreOptions = {}): Promise<T> {
  const config = loadConfig();
  const store = openStore(config);
  try {
    await store.migrate();
    note(`store: ${describeStore(config)}`);
    if (options.expectTenants !== false && (await store.listTenants()).length === 0) {
      note('warning: this store holds no tenants yet. If the server runs elsewhere, give this command its STELE_DATA_DIR or STELE_DATABASE_URL, or --url to work on it over HTTP.');
    }
    return await work(store);
  } finally {
    await store.close();
  }
}
