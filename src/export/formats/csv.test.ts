import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { CSV_COLUMNS, createCsvFormat, csvCell, csvValues, neutralizeFormula } from './csv.js';
import { HOSTILE_STRINGS, bareEvent, hostileEvent, storedEvent } from './testing/events.js';
import type { StoredEvent } from '../../domain/event.js';

const csv = createCsvFormat();

function exportCsv(events: StoredEvent[]): string {
  return csv.header() + events.map((e, i) => csv.encode(e, i)).join('') + csv.footer();
}

/** The reader's side of the neutralisation rule: drop exactly one leading quote. */
function unneutralize(cell: string): string {
  return cell.startsWith("'") ? cell.slice(1) : cell;
}

describe('CSV export', () => {
  it('starts with a header row naming the columns in order', () => {
    const rows: string[][] = parse(exportCsv([]));
    assert.deepEqual(rows, [[...CSV_COLUMNS]]);
  });

  it('ends every record, the last included, with CRLF', () => {
    const text = exportCsv([storedEvent(), bareEvent()]);
    assert.ok(text.endsWith('\r\n'));
    assert.equal(text.split('\r\n').length, 4);
  });

  it('flattens a full event into the documented columns', () => {
    const [, row] = parse(exportCsv([storedEvent()])) as string[][];
    const record = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, row![i]]));
    assert.deepEqual(record, {
      occurred_at: '2026-05-01T12:00:00.123Z', received_at: '2026-05-01T12:00:01.456Z', seq: '42',
      id: 'evt_01HZX', action: 'member.role_changed', category: 'authorization', actor_id: 'user_123',
      actor_email: 'admin@example.com', actor_type: 'user', target_type: 'user', target_id: 'user_456',
      target_slug: 'john', success: 'true', ip: '192.0.2.10', user_agent: 'Mozilla/5.0 (X11)', request_id: 'req_9',
      details: '{"from_role":"viewer","to_role":"editor"}',
    });
  });

  it('leaves absent fields as empty cells', () => {
    const [, row] = parse(exportCsv([bareEvent()])) as string[][];
    assert.equal(row!.length, CSV_COLUMNS.length);
    assert.equal(row![CSV_COLUMNS.indexOf('actor_id')], '');
    assert.equal(row![CSV_COLUMNS.indexOf('success')], '');
    assert.equal(row![CSV_COLUMNS.indexOf('details')], '');
  });

  it('round-trips hostile values through csv-parse, up to the formula quote', () => {
    const events = HOSTILE_STRINGS.map((s, i) => hostileEvent(s, i + 1));
    const rows = parse(exportCsv(events)) as string[][];
    assert.equal(rows.length, events.length + 1);
    events.forEach((event, i) => {
      const expected = csvValues(event);
      const row = rows[i + 1]!;
      CSV_COLUMNS.forEach((column, c) => {
        assert.equal(row[c], neutralizeFormula(expected[column]), `${column} of ${JSON.stringify(HOSTILE_STRINGS[i])}`);
        assert.equal(unneutralize(row[c]!), expected[column]);
      });
    });
  });

  it('writes each row as the csvValues cells in column order (the hand-written row matches the table)', () => {
    for (const event of [storedEvent(), bareEvent(), ...HOSTILE_STRINGS.map((s, i) => hostileEvent(s, i + 1))]) {
      const values = csvValues(event);
      assert.equal(csv.encode(event, 0), `${CSV_COLUMNS.map((column) => csvCell(values[column])).join(',')}\r\n`);
    }
  });

  it('gives back details as the same JSON object', () => {
    const event = hostileEvent('a "quoted", \r\n multi-line = value');
    const [, row] = parse(exportCsv([event])) as string[][];
    assert.deepEqual(JSON.parse(row![CSV_COLUMNS.indexOf('details')]!), event.details);
  });

  it('prefixes a quote to cells a spreadsheet would run as a formula', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']) {
      assert.equal(neutralizeFormula(`${start}1+1`), `'${start}1+1`);
    }
    assert.equal(neutralizeFormula('safe=1'), 'safe=1');
    assert.equal(neutralizeFormula(''), '');
  });

  it('prefixes a quote to a cell that already starts with one, so the rule can be undone', () => {
    assert.equal(neutralizeFormula("'=x"), "''=x");
    assert.equal(unneutralize(neutralizeFormula("'=x")), "'=x");
  });

  it('writes no formula-start character at the start of any parsed cell', () => {
    const events = HOSTILE_STRINGS.map((s, i) => hostileEvent(s, i + 1));
    const rows = parse(exportCsv(events)) as string[][];
    for (const cell of rows.flat()) assert.doesNotMatch(cell, /^[=+\-@\t\r]/);
  });

  it('can start with a UTF-8 byte order mark for Excel', () => {
    const withBom = createCsvFormat({ bom: true });
    const text = withBom.header() + withBom.encode(storedEvent(), 0);
    assert.ok(text.startsWith('\uFEFF'));
    const rows: string[][] = parse(text, { bom: true });
    assert.equal(rows[0]![0], 'occurred_at');
  });
});
