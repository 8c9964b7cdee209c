// The scale curves as an image for the README: uPlot (the dashboard's chart library) drawing in
// Debian's Chromium, one small chart per measure, a line per engine, events on a log axis; the
// page is screenshotted to a PNG.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launchChromium } from '../../test/browser/chromium.js';

export interface Curve {
  /** The measure, with its unit: "verification, events/s". */
  title: string;
  /** One line per engine: [events in the database, value] pairs. */
  lines: { engine: string; points: [number, number][] }[];
}

const require = createRequire(import.meta.url);
const COLORS: Record<string, string> = { sqlite: '#2563eb', postgres: '#db2777' };

// Runs in the page, so it is text: a function passed to page.evaluate would carry the names the
// TypeScript loader adds to functions (__name), which the page does not have.
const DRAW = `function draw(curves, colors) {
  const grid = document.getElementById('grid');
  const compact = (v) => (v == null ? '' : v >= 1e6 ? (v / 1e6) + 'M' : v >= 1e3 ? (v / 1e3) + 'k' : String(v));
  // On the log axis, label only 1, 3, 10, 30, ... times a power of ten.
  const decade = (v) => { if (v == null) return ''; const lead = v / 10 ** Math.floor(Math.log10(v) + 1e-9); return Math.abs(lead - 1) < 1e-6 || Math.abs(lead - 3) < 1e-6 ? compact(v) : ''; };
  for (const curve of curves) {
    const cell = document.createElement('div');
    const heading = document.createElement('h2');
    heading.textContent = curve.title;
    cell.append(heading);
    grid.append(cell);
    const xs = [...new Set(curve.lines.flatMap((l) => l.points.map((p) => p[0])))].sort((a, b) => a - b);
    const data = [xs, ...curve.lines.map((l) => xs.map((x) => { const p = l.points.find((q) => q[0] === x); return p ? p[1] : null; }))];
    new uPlot({
      width: 380, height: 220,
      scales: { x: { time: false, distr: 3 }, y: { range: (u, min, max) => [0, max * 1.1] } },
      legend: { live: false },
      axes: [{ values: (u, ticks) => ticks.map(decade) }, { values: (u, ticks) => ticks.map(compact), size: 60 }],
      series: [{ label: 'events' }, ...curve.lines.map((l) => ({ label: l.engine, stroke: colors[l.engine] || '#333', width: 2, points: { show: true, size: 6 } }))],
    }, data, cell);
  }
}`;

export async function plotCurves(curves: Curve[], file: string): Promise<void> {
  const uplotJs = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const uplotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 }, deviceScaleFactor: 1 });
    await page.setContent(`<!doctype html><html><head><style>${uplotCss}
      body { font: 13px system-ui, sans-serif; margin: 16px; background: #fff; color: #111; }
      #grid { display: grid; grid-template-columns: repeat(3, 380px); gap: 12px; }
      h2 { font-size: 13px; margin: 0 0 4px; font-weight: 600; }</style></head>
      <body><div id="grid"></div></body></html>`);
    await page.addScriptTag({ content: uplotJs });
    await page.evaluate(`(${DRAW})(${JSON.stringify(curves)}, ${JSON.stringify(COLORS)})`);
    const box = await page.locator('#grid').boundingBox();
    writeFileSync(file, await page.screenshot({ clip: { x: 0, y: 0, width: Math.ceil(box!.x + box!.width + 16), height: Math.ceil(box!.y + box!.height + 16) } }));
  } finally {
    await browser.close();
  }
}
