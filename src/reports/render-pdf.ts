// A report as PDF, written by pdfkit in this process (no browser): the same sections as the HTML,
// figures as label and value, tables as ruled columns, a page break where the page is full.
//
// Fonts: DejaVu Sans when the machine has it (Debian's fonts-dejavu-core, which Chromium and most
// desktops pull in), so names in any script it covers print as they are; otherwise pdfkit's
// built-in Helvetica, which holds Latin-1 only, and other characters are printed as "?".

import { existsSync } from 'node:fs';
import { formatFigure, formatNumber, formatTime } from './render-html.js';
import type { ReportDocument, Section } from './report-document.js';

const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu', '/usr/share/fonts/TTF'];

interface Fonts { regular: string; bold: string; unicode: boolean }

function findFonts(): Fonts {
  for (const dir of FONT_DIRS) {
    const regular = `${dir}/DejaVuSans.ttf`;
    const bold = `${dir}/DejaVuSans-Bold.ttf`;
    if (existsSync(regular) && existsSync(bold)) return { regular, bold, unicode: true };
  }
  return { regular: 'Helvetica', bold: 'Helvetica-Bold', unicode: false };
}

const latin1 = (text: string): string => text.replace(/→/g, '->').replace(/[^\u0000-\u00ff]/gu, '?');

const MARGIN = 48;

/** The PDF's bytes, in pieces as pdfkit writes them. */
export async function renderPdf(document: ReportDocument): Promise<Buffer> {
  const fonts = findFonts();
  const text = fonts.unicode ? (t: string) => t : latin1;
  // Loaded on the first report, not when the server starts (pdfkit and its fonts are 0.14 s).
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4', margin: MARGIN, bufferPages: true,
    info: { Title: text(document.title), Author: 'Stele', Subject: `${document.period.from} to ${document.period.to}`, CreationDate: new Date(document.generated_at) },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => { doc.on('end', resolve); doc.on('error', reject); });
  doc.registerFont('regular', fonts.regular);
  doc.registerFont('bold', fonts.bold);
  const width = doc.page.width - 2 * MARGIN;
  const bottom = () => doc.page.height - MARGIN;
  const room = (needed: number) => { if (doc.y + needed > bottom()) doc.addPage(); };

  doc.font('bold').fontSize(18).text(text(document.title));
  doc.font('regular').fontSize(9).fillColor('#555555')
    .text(text(`Tenant ${document.tenant_id} · ${formatTime(document.period.from)} to ${formatTime(document.period.to)} (end excluded) · generated ${formatTime(document.generated_at)} · events up to seq ${formatNumber(document.log_size)}`));
  doc.fillColor('#000000').fontSize(10).moveDown(0.3).text(text(document.description));

  const table = (title: string, columns: string[], rows: (string | number)[][], note?: string) => {
    room(60);
    doc.moveDown(0.6).font('bold').fontSize(11).text(text(title), MARGIN);
    if (note) doc.font('regular').fontSize(8).fillColor('#555555').text(text(note)).fillColor('#000000');
    // The first column (a name) and the last text column share what numbers leave.
    const numeric = columns.map((_, i) => i > 0 && rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
    const numberWidth = 70;
    const textColumns = numeric.filter((n) => !n).length;
    const textWidth = (width - numeric.filter(Boolean).length * numberWidth) / Math.max(textColumns, 1);
    const widths = numeric.map((n) => (n ? numberWidth : textWidth));
    // One line per row, cut with an ellipsis where a cell is too long (the HTML shows it whole):
    // measuring and wrapping every cell made a report of a thousand rows take seconds.
    const ROW = 12;
    const line = (cells: string[], font: 'regular' | 'bold') => {
      room(ROW);
      doc.font(font).fontSize(7.5);
      const y = doc.y;
      let x = MARGIN;
      cells.forEach((cell, i) => {
        doc.text(cell, x + 2, y + 2.5, { width: widths[i]! - 4, height: ROW, align: numeric[i] ? 'right' : 'left', lineBreak: false, ellipsis: true });
        x += widths[i]!;
      });
      doc.moveTo(MARGIN, y + ROW).lineTo(MARGIN + width, y + ROW).lineWidth(0.3).strokeColor('#bbbbbb').stroke();
      doc.y = y + ROW;
    };
    line(columns.map(text), 'bold');
    if (rows.length === 0) line([text('None in this period.')], 'regular');
    for (const row of rows) line(row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : text(cell))), 'regular');
    doc.x = MARGIN;
  };

  const section = (s: Section) => {
    room(120);
    doc.moveDown(1).font('bold').fontSize(14).text(text(s.title), MARGIN);
    doc.font('regular').fontSize(9).text(text(s.description)).moveDown(0.3);
    for (const figure of s.figures) {
      room(14);
      const y = doc.y;
      doc.font('regular').fontSize(10).text(text(figure.label), MARGIN, y, { width: width - 120 });
      doc.font('bold').text(formatFigure(figure), MARGIN + width - 120, y, { width: 120, align: 'right' });
      doc.y = Math.max(doc.y, y + 14);
    }
    for (const t of s.tables) table(t.title, t.columns, t.rows);
    if (s.listing) {
      const note = s.listing.total > s.listing.rows.length ? `The first ${formatNumber(s.listing.rows.length)} of ${formatNumber(s.listing.total)}, oldest first.` : undefined;
      table(s.listing.title, s.listing.columns, s.listing.rows, note);
    }
  };
  document.sections.forEach(section);

  const pages = doc.bufferedPageRange();
  for (let i = 0; i < pages.count; i++) {
    doc.switchToPage(pages.start + i);
    // Below the bottom margin: without this pdfkit would start a new page for the footer.
    doc.page.margins.bottom = 0;
    doc.font('regular').fontSize(7).fillColor('#777777')
      .text(text(`${document.title} · page ${i + 1} of ${pages.count}`), MARGIN, doc.page.height - MARGIN + 14, { width, align: 'center', lineBreak: false });
  }
  doc.end();
  await done;
  return Buffer.concat(chunks);
}
