import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createLeefFormat, formatLeef, leefDelimiterChar, leefFields, leefRecord } from './leef.js';
import type { LeefField, LeefSyntax } from './leef.js';
import { parseLeef } from './testing/leef-parser.js';
import { HOSTILE_STRINGS, bareEvent, hostileEvent, storedEvent } from './testing/events.js';

interface Vector {
  desc: string;
  input: { vendor: string; product: string; version: string; event_id: string; fields: [string, string][] };
  leef1: string;
  leef2_caret: string;
  leef2_hex_tab: string;
}
const VECTORS: Vector[] = JSON.parse(readFileSync(new URL('./testing/cef-leef-examples.json', import.meta.url), 'utf8')).examples;

const SYNTAXES: [keyof Vector & ('leef1' | 'leef2_caret' | 'leef2_hex_tab'), LeefSyntax][] = [
  ['leef1', { version: '1.0' }],
  ['leef2_caret', { version: '2.0', delimiter: '^' }],
  ['leef2_hex_tab', { version: '2.0', delimiter: 'x09' }],
];

// The documented replacement policy, restated here for the expected values.
const headerPolicy = (text: string) => text.replace(/\r\n|[|\t\r\n]/g, ' ');
const valuePolicy = (text: string, delimiter: string) => text.replace(/\r\n|[\t\r\n]/g, ' ').split(delimiter).join(' ');

function recordOf(input: Vector['input']) {
  return { vendor: input.vendor, product: input.product, productVersion: input.version, eventId: input.event_id, fields: input.fields };
}

describe('LEEF vectors', () => {
  for (const vector of VECTORS) {
    for (const [column, syntax] of SYNTAXES) {
      it(`reproduces the ${column} vector "${vector.desc}" byte for byte`, () => {
        assert.equal(formatLeef(recordOf(vector.input), syntax), vector[column]);
      });

      it(`reads the ${column} vector "${vector.desc}" back with a strict parser`, () => {
        const parsed = parseLeef(vector[column]);
        const { input } = vector;
        assert.deepEqual(
          [parsed.vendor, parsed.product, parsed.productVersion, parsed.eventId],
          [input.vendor, input.product, input.version, input.event_id].map(headerPolicy),
        );
        assert.deepEqual(parsed.attributes, input.fields.map(([k, v]) => [k, valuePolicy(v, parsed.delimiter)]));
      });
    }
  }
});

describe('LEEF sanitising', () => {
  const ALL_SYNTAXES: LeefSyntax[] = [
    { version: '1.0' }, { version: '2.0', delimiter: '^' }, { version: '2.0', delimiter: 'x09' },
    { version: '2.0', delimiter: '0x5E' }, { version: '2.0', delimiter: 'xa6' }, { version: '2.0', delimiter: '~' },
  ];

  function roundTrip(value: string, syntax: LeefSyntax) {
    const fields: LeefField[] = [['msg', value], ['usrName', value], ['act', value]];
    const line = formatLeef({ vendor: value, product: value, productVersion: value, eventId: value, fields }, syntax);
    const parsed = parseLeef(line);
    assert.deepEqual(parsed.attributes, fields.map(([k, v]) => [k, valuePolicy(v, parsed.delimiter)]), JSON.stringify(value));
    for (const header of [parsed.vendor, parsed.product, parsed.productVersion, parsed.eventId]) {
      assert.equal(header, headerPolicy(value));
    }
  }

  it('round-trips hostile values, replacing only line breaks, tabs and the delimiter', () => {
    for (const syntax of ALL_SYNTAXES) for (const value of HOSTILE_STRINGS) roundTrip(value, syntax);
  });

  it('keeps = and backslashes in values as they are', () => {
    const line = formatLeef({ vendor: 'V', product: 'P', productVersion: '1', eventId: 'e', fields: [['msg', 'a=b\\']] }, { version: '1.0' });
    assert.equal(line, 'LEEF:1.0|V|P|1|e|msg=a=b\\');
  });

  it('round-trips any text made of the characters LEEF treats specially', () => {
    const tricky = fc.constantFrom('\\', '=', '|', ' ', '\n', '\r', '\t', '^', '¦', '~', 'a', 'é', '🚀');
    const syntax = fc.constantFrom(...ALL_SYNTAXES);
    fc.assert(fc.property(fc.string({ unit: tricky, maxLength: 30 }), syntax, (value, s) => roundTrip(value, s)));
  });

  it('reads the delimiter as one character or a hex code', () => {
    assert.equal(leefDelimiterChar('^'), '^');
    assert.equal(leefDelimiterChar('x09'), '\t');
    assert.equal(leefDelimiterChar('0x5E'), '^');
    assert.equal(leefDelimiterChar('xa6'), '¦');
  });

  it('refuses a delimiter that would make the line ambiguous', () => {
    for (const spec of ['', '==', '=', 'a', '_', '7', '|', 'x0A', '0x3D', 'x12345']) {
      assert.throws(() => leefDelimiterChar(spec), /delimiter/, JSON.stringify(spec));
    }
    assert.throws(() => createLeefFormat({ syntax: { version: '2.0', delimiter: '=' } }), /delimiter/);
  });

  it('refuses a key outside [A-Za-z0-9_]', () => {
    for (const key of ['', 'a b', 'a=b', 'a^b', 'é']) {
      assert.throws(() => formatLeef({ ...recordOf(VECTORS[0]!.input), fields: [[key, 'x']] }, { version: '1.0' }), /key/);
    }
  });
});

describe('LEEF events', () => {
  it('maps a full event to the documented keys', () => {
    const parsed = parseLeef(formatLeef(leefRecord(storedEvent()), { version: '1.0' }));
    assert.deepEqual([parsed.vendor, parsed.product, parsed.productVersion, parsed.eventId], ['Stele', 'AuditLog', '1.0', 'member.role_changed']);
    assert.deepEqual(Object.fromEntries(parsed.attributes), {
      devTime: '2026-05-01T12:00:00.123+0000', devTimeFormat: "yyyy-MM-dd'T'HH:mm:ss.SSSZ", cat: 'authorization',
      sev: '5', usrName: 'admin@example.com', src: '192.0.2.10', action: 'member.role_changed', outcome: 'success',
      auditId: 'evt_01HZX', seq: '42', tenantId: 'ten_1', receivedAt: '2026-05-01T12:00:01.456Z', actorId: 'user_123',
      actorType: 'user', actorRole: 'admin', targetType: 'user', targetId: 'user_456', targetName: 'john@example.com',
      targetSlug: 'john', userAgent: 'Mozilla/5.0 (X11)', requestId: 'req_9', sessionId: 'ses_7', httpMethod: 'POST',
      url: '/api/members/456/role', httpStatus: '200', details: '{"from_role":"viewer","to_role":"editor"}',
    });
  });

  it('omits what the event does not have', () => {
    const keys = leefFields(bareEvent()).map(([key]) => key);
    assert.deepEqual(keys, ['devTime', 'devTimeFormat', 'cat', 'sev', 'action', 'auditId', 'seq', 'tenantId', 'receivedAt']);
  });

  it('keeps sev within 1-10', () => {
    const sev = (success: boolean, category: string) =>
      Number(new Map(leefFields(storedEvent({ success, category }))).get('sev'));
    assert.equal(sev(true, 'custom'), 2);
    assert.equal(sev(false, 'security'), 9);
  });

  it('reads hostile event fields back with a strict parser, sanitised only as documented', () => {
    for (const syntax of [{ version: '1.0' }, { version: '2.0', delimiter: '^' }] as LeefSyntax[]) {
      for (const value of HOSTILE_STRINGS) {
        const parsed = parseLeef(formatLeef(leefRecord(hostileEvent(value)), syntax));
        const attrs = new Map(parsed.attributes);
        for (const key of ['action', 'auditId', 'actorId', 'usrName', 'targetId', 'userAgent', 'url']) {
          assert.equal(attrs.get(key), valuePolicy(value, parsed.delimiter), `${key} of ${JSON.stringify(value)}`);
        }
      }
    }
  });

  it('writes one LF-terminated LEEF 1.0 line per event by default', () => {
    const line = createLeefFormat().encode(hostileEvent('a\r\nb\tc'), 0);
    assert.ok(line.startsWith('LEEF:1.0|'));
    assert.equal(line.indexOf('\n'), line.length - 1);
  });
});

describe('the strict LEEF test reader', () => {
  it('rejects a line break and a bad key', () => {
    assert.throws(() => parseLeef('LEEF:1.0|V|P|1|e|msg=a\nb'), /line break/);
    assert.throws(() => parseLeef('LEEF:1.0|V|P|1|e|a b=c'), /key/);
  });

  it('splits at a raw tab in a value, which is what sanitising prevents', () => {
    assert.throws(() => parseLeef('LEEF:1.0|V|P|1|e|msg=a\tb'), /without =/);
  });

  it('reads an empty LEEF 2.0 delimiter as TAB', () => {
    assert.equal(parseLeef('LEEF:2.0|V|P|1|e||a=1\tb=2').attributes.length, 2);
  });
});
