// Measures the dashboard with tools no one here wrote, and keeps the figures in the README:
// - axe-core (WCAG 2.1 A and AA rules, and its best practices) on every page the dashboard's menu
//   offers an org admin and on the embedded viewer, in Debian's Chromium through playwright-core;
// - Lighthouse (performance, accessibility, best practices, SEO; desktop settings) on the audit
//   log and the embedded viewer, in the same Chromium through chrome-launcher.
// Against a local server seeded with events (test/browser/seeded-server.ts). It never downloads a
// browser (STELE_CHROMIUM_PATH, default /usr/bin/chromium) and CI does not run it: the figures
// depend on the machine.
//
//   npm run audit:dashboard               prints the figures
//   npm run audit:dashboard -- --write    and writes them into README.md (between the
//                                         dashboard-audit markers)

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { CHROMIUM_PATH, launchChromium } from '../test/browser/chromium.js';
import { PASSWORD, USERS, startSeededServer } from '../test/browser/seeded-server.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;

interface AxeFinding { page: string; path: string; violations: string[]; passes: number }
interface LighthouseFinding {
  page: string;
  scores: Record<(typeof CATEGORIES)[number], number>;
  fcpMs: number; lcpMs: number; tbtMs: number; cls: number; transferKb: number;
  textCompression: boolean;
  failedSeo: string[];
  /** Accessibility audits that fail, each with up to three of the elements it names. */
  failedAccessibility: string[];
}

declare const axe: { run(context: Document, options: object): Promise<{ violations: { id: string; nodes: unknown[] }[]; passes: unknown[] }> };

async function axeAudits(url: string, viewerUrl: string): Promise<AxeFinding[]> {
  const browser = await launchChromium();
  try {
    // axe is added to each page as a script of its own: the pages' CSP would refuse it.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${url}/`);
    await page.getByLabel('Email').fill(USERS.admin);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const findings: AxeFinding[] = [];
    const audit = async (name: string, path: string) => {
      await page.goto(`${url}${path}`);
      await page.waitForLoadState('networkidle');
      await page.addScriptTag({ path: AXE });
      const result = await page.evaluate((tags) => axe.run(document, { runOnly: { type: 'tag', values: tags } }), AXE_TAGS);
      findings.push({ page: name, path, violations: result.violations.map((v) => `${v.id} (${v.nodes.length})`), passes: result.passes.length });
    };
    // Every page of the menu (ui/src/pages/registry.ts), so a page added later is audited too.
    const menu = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').evaluateAll((links) =>
      links.map((link) => ({ title: link.textContent?.trim() ?? '', path: new URL((link as HTMLAnchorElement).href).pathname })));
    if (menu.length === 0) throw new Error('no menu links found on the dashboard');
    for (const entry of menu) await audit(entry.title, entry.path);
    await audit('Embedded viewer', viewerUrl);
    return findings;
  } finally {
    await browser.close();
  }
}

async function lighthouseAudit(name: string, url: string, headers: Record<string, string>): Promise<LighthouseFinding> {
  const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM_PATH, chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu'] });
  try {
    const result = await lighthouse(url, {
      port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: [...CATEGORIES], extraHeaders: headers,
    }, desktopConfig);
    if (!result) throw new Error(`Lighthouse gave no result for ${url}`);
    const { categories, audits } = result.lhr;
    const numeric = (id: string) => audits[id]?.numericValue ?? Number.NaN;
    return {
      page: name,
      scores: Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((categories[c]?.score ?? 0) * 100)])) as LighthouseFinding['scores'],
      fcpMs: numeric('first-contentful-paint'), lcpMs: numeric('largest-contentful-paint'), tbtMs: numeric('total-blocking-time'),
      cls: numeric('cumulative-layout-shift'), transferKb: numeric('total-byte-weight') / 1024,
      textCompression: audits['uses-text-compression']?.score === 1,
      failedSeo: (categories.seo?.auditRefs ?? []).filter((ref) => ref.weight > 0 && audits[ref.id]?.score === 0).map((ref) => ref.id),
      failedAccessibility: (categories.accessibility?.auditRefs ?? []).filter((ref) => ref.weight > 0 && audits[ref.id]?.score === 0)
        .map((ref) => `${ref.id}: ${(audits[ref.id]?.details as { items?: { node?: { snippet?: string } }[] } | undefined)?.items?.map((i) => i.node?.snippet).filter(Boolean).slice(0, 3).join(' ') ?? ''}`),
    };
  } finally {
    chrome.kill();
  }
}

function render(axeFindings: AxeFinding[], lighthouseFindings: LighthouseFinding[]): string {
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    `Measured ${date} by \`npm run audit:dashboard\` (axe-core ${createRequire(import.meta.url)('axe-core/package.json').version}, Lighthouse ${createRequire(import.meta.url)('lighthouse/package.json').version} with its desktop settings, Debian's Chromium), against a local server with 230 seeded events, signed in as an org admin.`,
    '',
    '| page | axe violations (WCAG 2.1 A/AA, best practices) | rules passed |',
    '| --- | --- | --- |',
    ...axeFindings.map((f) => `| ${f.page} (\`${f.path.split('?')[0]}\`) | ${f.violations.length === 0 ? '0' : f.violations.join(', ')} | ${f.passes} |`),
    '',
    '| Lighthouse | performance | accessibility | best practices | SEO | first / largest contentful paint | total blocking time | layout shift | transferred | text compressed |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...lighthouseFindings.map((f) => `| ${f.page} | ${f.scores.performance} | ${f.scores.accessibility} | ${f.scores['best-practices']} | ${f.scores.seo} | ${Math.round(f.fcpMs)} / ${Math.round(f.lcpMs)} ms | ${Math.round(f.tbtMs)} ms | ${f.cls.toFixed(3)} | ${Math.round(f.transferKb)} KB | ${f.textCompression ? 'yes' : 'no'} |`),
  ];
  const seo = [...new Set(lighthouseFindings.flatMap((f) => f.failedSeo))];
  if (seo.length > 0) lines.push('', `SEO audits that fail: ${seo.map((id) => `\`${id}\``).join(', ')}. Nothing here is for search engines: \`/robots.txt\` disallows every crawler, and the pages are behind sign-in or a viewer token.`);
  for (const f of lighthouseFindings.filter((x) => x.failedAccessibility.length > 0)) {
    lines.push('', `Accessibility audits that fail on ${f.page}: ${f.failedAccessibility.map((a) => `\`${a}\``).join('; ')}.`);
  }
  return lines.join('\n');
}

function writeIntoReadme(block: string): void {
  const readme = readFileSync(README, 'utf8');
  const pattern = /<!-- dashboard-audit:start -->[\s\S]*<!-- dashboard-audit:end -->/;
  if (!pattern.test(readme)) throw new Error('README.md has no <!-- dashboard-audit:start --> ... <!-- dashboard-audit:end --> block');
  writeFileSync(README, readme.replace(pattern, `<!-- dashboard-audit:start -->\n${block}\n<!-- dashboard-audit:end -->`));
}

const server = await startSeededServer();
try {
  const token = await server.viewerToken(server.tenantA);
  const viewerPath = `/embed?token=${encodeURIComponent(token)}`;
  const axeFindings = await axeAudits(server.url, viewerPath);
  const signedIn = await server.app.inject({ method: 'POST', url: '/v1/session', headers: { host: new URL(server.url).host }, payload: { email: USERS.admin, password: PASSWORD } });
  const cookie = String(signedIn.headers['set-cookie']).split(';')[0]!;
  const lighthouseFindings = [
    await lighthouseAudit('Audit log', `${server.url}/`, { cookie }),
    // The same page with compression refused, for what compression saves.
    await lighthouseAudit('Audit log, `Accept-Encoding: identity`', `${server.url}/`, { cookie, 'accept-encoding': 'identity' }),
    await lighthouseAudit('Embedded viewer', `${server.url}${viewerPath}`, {}),
  ];
  const block = render(axeFindings, lighthouseFindings);
  console.log(block);
  if (process.argv.includes('--write')) {
    writeIntoReadme(block);
    console.log('\nwritten into README.md');
  }
} finally {
  await server.close();
}
