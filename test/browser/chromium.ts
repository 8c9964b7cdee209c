// Debian's Chromium driven by playwright-core (never a downloaded browser). Without it the
// browser suites are skipped with this reason, except under CI=true, where they must run.
// Screenshots go to docs/screenshots only under `npm run screenshots` (see SCREENSHOTS).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.STELE_CHROMIUM_PATH ?? '/usr/bin/chromium';

export const BROWSER_SKIP: string | false = existsSync(CHROMIUM_PATH) || process.env.CI === 'true'
  ? false
  : `${CHROMIUM_PATH} is absent: install Debian's chromium (apt-get install chromium) to run the browser tests`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Builds the UI when this checkout has not been built yet (npm install normally does it). */
export function ensureUiBuilt(): void {
  if (existsSync(`${ROOT}/ui/dist/index.html`)) return;
  const result = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'ui/vite.config.ts'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('vite build failed');
}

/**
 * Where the browser suites save their screenshots: the tracked docs/screenshots (shown in the
 * README) only when `npm run screenshots` asks for them (STELE_SCREENSHOTS=1); otherwise a
 * temporary directory, removed on exit, so `npm test` leaves the git tree as it found it.
 */
export const SCREENSHOTS = process.env.STELE_SCREENSHOTS === '1' ? `${ROOT}/docs/screenshots` : temporaryScreenshots();

function temporaryScreenshots(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stele-screenshots-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
