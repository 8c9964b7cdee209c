// A report as one printable HTML page: no script, no external resource, every value escaped, a
// print stylesheet (A4, tables that do not split rows across pages). The output depends on the
// document alone, so `stele verify --package` renders a package's summary.json again and compares.

import type { Figure, ReportDocument, Section, Table } from './report-document.js';

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** 1234567.25 → 1,234,567.3: written out rather than by Intl, so every machine prints the same text. */
export function formatNumber(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  const [whole, fraction] = String(Math.abs(rounded)).split('.');
  return `${rounded < 0 ? '-' : ''}${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction ? `.${fraction}` : ''}`;
}
export const formatFigure = (figure: Figure): string => (figure.unit === 'percent' ? `${figure.value.toFixed(1)}%` : formatNumber(figure.value));
/** 2026-05-01T00:00:00.000Z → 2026-05-01 00:00 UTC */
export const formatTime = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

const STYLE = `
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
  h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { font-size: 1.25rem; margin: 2rem 0 .25rem; border-bottom: 2px solid #1b1f24; }
  h3 { font-size: 1rem; margin: 1.25rem 0 .4rem; } .meta { color: #555; margin: 0 0 1rem; } .lead { margin: .25rem 0 1rem; }
  dl.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .5rem; margin: .75rem 0; }
  dl.figures div { border: 1px solid #ccd; border-radius: 6px; padding: .5rem .75rem; }
  dl.figures dt { font-size: .8rem; color: #555; } dl.figures dd { margin: 0; font-size: 1.35rem; font-weight: 600; font-variant-numeric: tabular-nums; }
  table { border-collapse: collapse; width: 100%; margin: .25rem 0 1rem; font-size: .85rem; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #dde; vertical-align: top; overflow-wrap: anywhere; }
  td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; } th { background: #f3f4f7; }
  .note { color: #555; font-size: .85rem; }
  @media print { body { margin: 0; max-width: none; font-size: 11px; } h2 { break-after: avoid; } tr, dl.figures div { break-inside: avoid; } @page { size: A4; margin: 15mm; } }
`;

function tableHtml(table: Table | { title: string; columns: string[]; rows: (string | number)[][] }, note = ''): string {
  const head = table.columns.map((c, i) => `<th scope="col"${i > 0 && typeof table.rows[0]?.[i] === 'number' ? ' class="n"' : ''}>${escape(c)}</th>`).join('');
  const body = table.rows.length === 0
    ? `<tr><td colspan="${table.columns.length}" class="note">None in this period.</td></tr>`
    : table.rows.map((row) => `<tr>${row.map((cell) => (typeof cell === 'number' ? `<td class="n">${formatNumber(cell)}</td>` : `<td>${escape(cell)}</td>`)).join('')}</tr>`).join('\n');
  return `<h3>${escape(table.title)}</h3>${note}\n<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function sectionHtml(section: Section): string {
  const figures = section.figures.map((f) => `<div><dt>${escape(f.label)}</dt><dd>${escape(formatFigure(f))}</dd></div>`).join('');
  const listing = section.listing
    ? tableHtml(section.listing, section.listing.total > section.listing.rows.length
      ? `<p class="note">The first ${formatNumber(section.listing.rows.length)} of ${formatNumber(section.listing.total)}, oldest first.</p>`
      : '')
    : '';
  return `<section id="${escape(section.id)}">\n<h2>${escape(section.title)}</h2>\n<p class="lead">${escape(section.description)}</p>\n`
    + `<dl class="figures">${figures}</dl>\n${section.tables.map((t) => tableHtml(t)).join('\n')}\n${listing}\n</section>`;
}

export function renderHtml(document: ReportDocument): string {
  const filters = Object.keys(document.filters).length > 0 ? ` · filters ${escape(JSON.stringify(document.filters))}` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(document.title)} · ${escape(formatTime(document.period.from))} to ${escape(formatTime(document.period.to))}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escape(document.title)}</h1>
<p class="meta">Tenant ${escape(document.tenant_id)} · ${escape(formatTime(document.period.from))} to ${escape(formatTime(document.period.to))} (end excluded) · generated ${escape(formatTime(document.generated_at))} · events up to seq ${formatNumber(document.log_size)}${filters}</p>
<p class="lead">${escape(document.description)}</p>
</header>
<main>
${document.sections.map(sectionHtml).join('\n')}
</main>
<footer><p class="note">Computed by Stele from its tamper-evident audit log. Every figure counts events in the period with seq up to ${formatNumber(document.log_size)}.</p></footer>
</body>
</html>
`;
}
