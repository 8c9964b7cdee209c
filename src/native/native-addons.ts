// The optional native speed-ups of native/ (built by `npm install`, see native/README.md), found
// once at start-up. Every user of them has a JavaScript path that gives the same results, taken
// when they are missing or turned off with STELE_NATIVE=off. The page hashing is installed into
// the integrity core as this module loads (every store imports it), so sealing and verification
// in this process use it.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { usePageHashes, type CanonicalRows, type WithComputedLeafHashes } from '@stele/integrity';

/** SHA-256 over whole pages of verification inputs; see packages/integrity/src/page-hashes.ts for the contract. */
export interface NativePageHashes {
  leafHashes(leafInputs: Uint8Array): Uint8Array;
  chainHashes(prevChain: Uint8Array, storedChains: Uint8Array, leaves: Uint8Array): Uint8Array;
  chainFrom(prevChain: Uint8Array, leaves: Uint8Array): Uint8Array;
  nodeHashes(level: Uint8Array): Uint8Array;
}

/** PostgreSQL's verification fast path; see native/stele_postgres.c for the contract. */
export interface NativePostgresPages {
  canonicalRowsFromCopy(shape: string, seqValue: number, idValue: number, chunks: readonly Uint8Array[]): CanonicalRows & WithComputedLeafHashes;
  /** RFC 8785 of a JSON text, or null where the native writer leaves it to JavaScript. */
  canonicalJson(text: Uint8Array): Buffer | null;
}

// The same from src/native (tsx) and dist/native (the build).
const BUILD_DIR = new URL('../../native/build/Release/', import.meta.url);
const turnedOff = process.env.STELE_NATIVE === 'off';

interface Found {
  hashes?: NativePageHashes;
  postgresPages?: NativePostgresPages;
  sqliteExtension?: string;
  problem?: string;
}

function load(): Found {
  if (turnedOff) return { problem: 'turned off by STELE_NATIVE=off' };
  const [hashesFile, postgresFile, sqliteFile] = ['stele_hashes', 'stele_postgres', 'stele_sqlite'].map((name) => fileURLToPath(new URL(`${name}.node`, BUILD_DIR))) as [string, string, string];
  if (![hashesFile, postgresFile, sqliteFile].every((file) => existsSync(file))) return { problem: 'not built (run `node scripts/build-native.mjs`)' };
  try {
    const require = createRequire(import.meta.url);
    return { hashes: require(hashesFile) as NativePageHashes, postgresPages: require(postgresFile) as NativePostgresPages, sqliteExtension: sqliteFile };
  } catch (error) {
    return { problem: `could not be loaded: ${(error as Error).message}` };
  }
}

const found = load();

/** The native page hashing, when built and not turned off. */
export const nativePageHashes: NativePageHashes | undefined = found.hashes;
if (nativePageHashes) usePageHashes(nativePageHashes);

/** PostgreSQL's native page reader, when built and not turned off. */
export const nativePostgresPages: NativePostgresPages | undefined = found.postgresPages;

/** The file of the SQLite extension defining stele_leaf_input(), when built and not turned off. */
export const nativeSqliteExtension: string | undefined = found.sqliteExtension;

/** Why the native speed-ups are not in use (undefined when they are), for the start-up banner. */
export const nativeProblem: string | undefined = found.problem;
