// The compiled server, built from the sources as they are now (`npm run build:server`, a few
// seconds when little changed): what `npm test` and `npm run bench` start as a process, as
// `npm start` runs it, so neither ever runs an older build. Exits when the sources do not compile.

import { spawnSync } from 'node:child_process';

/** Builds dist/ in `root`; on failure says that nothing of `what` ran, and exits 1. */
export function buildServer(root, what) {
  const build = spawnSync('npm', ['run', '--silent', 'build:server'], { cwd: root, stdio: 'inherit' });
  if (build.status === 0) return;
  console.error(`\`npm run build:server\` failed: the sources do not compile, so no ${what} ran.`);
  process.exit(1);
}
