// The optional native speed-ups of native/ (built by `npm install`, see native/README.md), found
// once at start-up. Every user of them has a JavaScript path that gives the same results, taken
// when they are missing or turned off with STELE_NATIVE=off.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** SHA-256 over whole pages of verification inputs; see src/integrity/page-hashes.ts for the contract. */
export interface NativePageHashes {
  leafHashes(leafInputs: Uint8Array): Uint8Array;
  chainHashes(prevChain: Uint8Array, storedChains: Uint8Array, leaves: Uint8Array): Uint8Array;
  nodeHashes(level: Uint8Array): Uint8Array;
}

// The same from src/native (tsx) and dist/native (the build).
const BUILD_DIR = new URL('../../native/build/Release/', import.meta.url);
const turnedOff = process.env.STELE_NATIVE === 'off';

function load(): { hashes: NativePageHashes | undefined; sqliteExtension: string | undefined; problem: string | undefined } {
  if (turnedOff) return { hashes: undefined, sqliteExtension: undefined, problem: 'turned off by STELE_NATIVE=off' };
  const hashesFile = fileURLToPath(new URL('stele_hashes.node', BUILD_DIR));
  const sqliteFile = fileURLToPath(new URL('stele_sqlite.node', BUILD_DIR));
  if (!existsSync(hashesFile) || !existsSync(sqliteFile)) {
    return { hashes: undefined, sqliteExtension: undefined, problem: 'not built (run `node scripts/build-native.mjs`)' };
  }
  try {
    return { hashes: createRequire(import.meta.url)(hashesFile) as NativePageHashes, sqliteExtension: sqliteFile, problem: undefined };
  } catch (error) {
    return { hashes: undefined, sqliteExtension: undefined, problem: `could not be loaded: ${(error as Error).message}` };
  }
}

const found = load();

/** The native page hashing, when built and not turned off. */
export const nativePageHashes: NativePageHashes | undefined = found.hashes;

/** The file of the SQLite extension defining stele_leaf_input(), when built and not turned off. */
export const nativeSqliteExtension: string | undefined = found.sqliteExtension;

/** Why the native speed-ups are not in use (undefined when they are), for the start-up banner. */
export const nativeProblem: string | undefined = found.problem;
