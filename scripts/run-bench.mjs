// `npm run bench [-- options]`: bench/run.ts (which lists the options) against the compiled
// server, what `npm start` runs: built here first (scripts/build-server.mjs), and every server
// process a benchmark starts runs dist/ (STELE_TEST_COMPILED, test/helpers/server-process.ts)
// rather than the sources through tsx, whose wrappers cost hot closures what the build does not.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildServer } from './build-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
buildServer(root, 'benchmark');
const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...process.argv.slice(2)], {
  cwd: root, stdio: 'inherit', env: { ...process.env, STELE_TEST_COMPILED: '1' },
});
process.exit(run.status ?? 1);
