#!/usr/bin/env node
// Builds the optional native speed-ups in native/ (run by `npm install`). They make verification
// several times faster; without them Stele runs the same checks in JavaScript. So a machine that
// cannot build them (no C compiler, no Python) still installs, and says so here. Under CI=true a
// failed build fails, so that CI always measures and tests the native path.
//   STELE_NATIVE=off  skips the build (and, at run time, the use) of the native code.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'native');

if (process.env.STELE_NATIVE === 'off') {
  console.log('stele: STELE_NATIVE=off, native speed-ups not built');
  process.exit(0);
}

const result = spawnSync(process.execPath, [nodeGyp(), 'rebuild', '--directory', nativeDir, ...localHeaders()], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (result.status === 0) {
  console.log('stele: native speed-ups built (native/build/Release)');
  process.exit(0);
}
const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
console.error(`${output}\n\nstele: the native speed-ups could not be built (${result.error?.message ?? `node-gyp exited with ${result.status}`}).`);
console.error('stele: Stele works without them; verification runs in JavaScript, several times slower.');
console.error('stele: to build them, install a C compiler, make and Python 3, then run `node scripts/build-native.mjs`.');
process.exit(process.env.CI === 'true' ? 1 : 0);

/**
 * Builds against the headers installed with this Node (every official and distribution install
 * has them), so that node-gyp does not download them; npm may name a directory of its own.
 */
function localHeaders() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

/** npm names its own node-gyp to lifecycle scripts; otherwise use the one npm ships with, or a local one. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
}
