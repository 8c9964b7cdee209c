import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { EXPORT_FORMATS, EXPORT_FORMAT_NAMES, createExportFormats, isExportFormatName } from './index.js';
import type { ExportFormat } from './index.js';
import { parseCef } from './testing/cef-parser.js';
import { parseLeef } from './testing/leef-parser.js';
import { HOSTILE_STRINGS, bareEvent, hostileEvent, storedEvent } from './testing/events.js';
import type { StoredEvent } from '../../domain/event.js';

/** What the server does: header, each row as the cursor yields it, footer. */
function* stream(format: ExportFormat, events: Iterable<StoredEvent>): Generator<string> {
  yield format.header();
  let index = 0;
  for (const event of events) yield format.encode(event, index++);
  yield format.footer();
}

/** How many events an independent reader finds in a whole file. */
const READERS: Record<string, (text: string) => number> = {
  csv: (text) => (parse(text) as string[][]).length - 1,
  ndjson: (text) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).length,
  json: (text) => (JSON.parse(text) as unknown[]).length,
  cef: (text) => text.split('\n').filter(Boolean).map(parseCef).length,
  leef: (text) => text.split('\n').filter(Boolean).map(parseLeef).length,
  ocsf: (text) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).length,
};

describe('export format registry', () => {
  it('has an encoder, a content type and an extension for every format name', () => {
    assert.deepEqual(Object.keys(EXPORT_FORMATS).sort(), [...EXPORT_FORMAT_NAMES].sort());
    for (const name of EXPORT_FORMAT_NAMES) {
      assert.match(EXPORT_FORMATS[name].contentType, /^[a-z]+\/[a-z+.-]+; charset=utf-8/);
      assert.match(EXPORT_FORMATS[name].fileExtension, /^[a-z.]+$/);
    }
  });

  it('recognises only the known format names', () => {
    assert.ok(isExportFormatName('leef'));
    assert.ok(!isExportFormatName('xml'));
    assert.ok(!isExportFormatName('toString'));
  });

  for (const name of EXPORT_FORMAT_NAMES) {
    for (const count of [0, 1, 3, HOSTILE_STRINGS.length]) {
      it(`streams ${count} events as a valid ${name} file`, () => {
        const events = [storedEvent(), bareEvent(), ...HOSTILE_STRINGS.map((v, i) => hostileEvent(v, i + 3))].slice(0, count);
        const text = [...stream(EXPORT_FORMATS[name], events)].join('');
        assert.equal(READERS[name]!(text), count);
      });
    }
  }

  it('names the product the server passes in CEF, LEEF and OCSF', () => {
    const formats = createExportFormats({ product: { vendor: 'Acme', name: 'Stele', version: '2.3.4' } });
    assert.ok(formats.cef.encode(bareEvent(), 0).startsWith('CEF:0|Acme|Stele|2.3.4|'));
    assert.ok(formats.leef.encode(bareEvent(), 0).startsWith('LEEF:1.0|Acme|Stele|2.3.4|'));
    assert.deepEqual(JSON.parse(formats.ocsf.encode(bareEvent(), 0)).metadata.product, { name: 'Stele', vendor_name: 'Acme', version: '2.3.4' });
  });

  it('writes LEEF 2.0 when asked', () => {
    const formats = createExportFormats({ leef: { version: '2.0', delimiter: '^' } });
    assert.ok(formats.leef.encode(bareEvent(), 0).startsWith('LEEF:2.0|Stele|AuditLog|1.0|thing.happened|^|'));
  });
});
