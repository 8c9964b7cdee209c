#!/usr/bin/env node
// The published entry point runs the compiled CLI; `npm install` builds dist/ through `prepare`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli/index.js', import.meta.url));
if (!existsSync(compiled)) {
  console.error('stele: dist/ is missing. Run `npm install` (or `npm run build`) first.');
  process.exit(1);
}
await import(compiled);
