// Whether the native speed-ups are in use. Everything works without them, so on a user's machine
// that cannot build them this only says so; CI must build and test them.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { nativePageHashes, nativePostgresPages, nativeProblem, nativeSqliteExtension } from './native-addons.js';

it('has the native speed-ups built and loaded (required under CI=true)', (t) => {
  const built = nativePageHashes !== undefined && nativePostgresPages !== undefined && nativeSqliteExtension !== undefined;
  if (!built && process.env.CI !== 'true') return t.skip(`native speed-ups not in use: ${nativeProblem}`);
  assert.ok(built, `native speed-ups not in use under CI: ${nativeProblem}`);
  assert.equal(nativeProblem, undefined);
});
