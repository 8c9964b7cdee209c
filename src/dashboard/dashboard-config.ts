// Settings of the browser-facing parts, read once from the environment and frozen.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config.js';

export interface DashboardConfig {
  sessionTtlMs: number;
  /** CSP frame-ancestors of the embeddable viewer: which sites may frame /embed. */
  embedFrameAncestors: string;
  /** 'auto': Secure cookies when the request came over https (directly or per X-Forwarded-Proto). */
  secureCookies: 'auto' | 'always';
  /** The built UI (vite build output); absent in a checkout that was not built. */
  uiDir: string;
  /**
   * STELE_EXPORT_MAX_ROWS, read by the same rule as the export feature's, so the audit log page can
   * offer a bulk export job before a direct download would be refused (422 too_many_rows).
   */
  exportMaxRows: number;
}

// src/dashboard/ and dist/dashboard/ are both two levels below the package root.
const DEFAULT_UI_DIR = fileURLToPath(new URL('../../ui/dist', import.meta.url));

export function loadDashboardConfig(env: NodeJS.ProcessEnv = process.env): DashboardConfig {
  const ttlSeconds = Number(env.STELE_SESSION_TTL_SECONDS || 12 * 3600);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60) throw new Error('STELE_SESSION_TTL_SECONDS must be an integer >= 60');
  const ancestors = env.STELE_EMBED_FRAME_ANCESTORS || '*';
  if (/[;,\r\n]/.test(ancestors)) throw new Error('STELE_EMBED_FRAME_ANCESTORS is a space-separated list of sources, such as "https://app.example.com"');
  return Object.freeze({
    sessionTtlMs: ttlSeconds * 1000,
    embedFrameAncestors: ancestors,
    secureCookies: env.STELE_COOKIE_SECURE === 'true' ? 'always' : 'auto',
    uiDir: env.STELE_UI_DIR || DEFAULT_UI_DIR,
    exportMaxRows: loadConfig(env).exportMaxRows,
  });
}

export const uiIsBuilt = (config: DashboardConfig): boolean => existsSync(`${config.uiDir}/index.html`);
