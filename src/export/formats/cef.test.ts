import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cefFields, cefRecord, createCefFormat, formatCef } from './cef.js';
import type { CefField } from './cef.js';
import { parseCef } from './testing/cef-parser.js';
import { HOSTILE_STRINGS, bareEvent, hostileEvent, storedEvent } from './testing/events.js';

// A copy of /work/shared/vectors/formats/cef-leef-examples.json (see its provenance member).
interface Vector {
  desc: string;
  input: { vendor: string; product: string; version: string; event_id: string; name: string; severity: string; fields: [string, string][] };
  cef: string;
  leef1: string;
  leef2_caret: string;
  leef2_hex_tab: string;
}
const VECTORS: Vector[] = JSON.parse(readFileSync(new URL('./testing/cef-leef-examples.json', import.meta.url), 'utf8')).examples;

const headerPolicy = (text: string) => text.replace(/\r\n|[\r\n]/g, ' ');

function recordOf(input: Vector['input']) {
  return {
    vendor: input.vendor, product: input.product, productVersion: input.version,
    eventClassId: input.event_id, name: input.name, severity: input.severity, fields: input.fields,
  };
}

describe('CEF vectors', () => {
  for (const vector of VECTORS) {
    it(`reproduces the vector "${vector.desc}" byte for byte`, () => {
      assert.equal(formatCef(recordOf(vector.input)), vector.cef);
    });

    it(`reads the vector "${vector.desc}" back with a strict parser`, () => {
      const parsed = parseCef(vector.cef);
      const { input } = vector;
      assert.deepEqual(
        [parsed.version, parsed.vendor, parsed.product, parsed.productVersion, parsed.eventClassId, parsed.name, parsed.severity],
        ['0', input.vendor, input.product, input.version, input.event_id, headerPolicy(input.name), input.severity],
      );
      assert.deepEqual(parsed.extension, input.fields);
    });
  }
});

describe('CEF escaping', () => {
  function roundTrip(value: string) {
    const fields: CefField[] = [['msg', value], ['cs1Label', value], ['cs1', value], ['act', value]];
    const line = formatCef({
      vendor: value, product: value, productVersion: value, eventClassId: value, name: value, severity: 5, fields,
    });
    const parsed = parseCef(line);
    assert.deepEqual(parsed.extension, fields, JSON.stringify(value));
    for (const header of [parsed.vendor, parsed.product, parsed.productVersion, parsed.eventClassId, parsed.name]) {
      assert.equal(header, headerPolicy(value));
    }
    assert.doesNotMatch(line, /[\r\n]/);
  }

  it('round-trips hostile values in the header and in first, middle and last extension values', () => {
    for (const value of HOSTILE_STRINGS) roundTrip(value);
  });

  it('round-trips any text made of the characters CEF treats specially', () => {
    const tricky = fc.constantFrom('\\', '=', '|', ' ', '\n', '\r', '\t', 'a', 'n', 'é', '🚀', '^', '"', "'");
    fc.assert(fc.property(fc.string({ unit: tricky, maxLength: 30 }), (value) => roundTrip(value)));
  });

  it('round-trips any unicode text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (value) => roundTrip(value)));
  });

  it('refuses a key that is not alphanumeric', () => {
    for (const key of ['', 'a b', 'a=b', 'cs1_label', 'é']) {
      assert.throws(() => formatCef({ ...recordOf(VECTORS[0]!.input), fields: [[key, 'x']] }), /key/);
    }
  });

  it('refuses a severity outside 0-10 and the level names', () => {
    for (const severity of ['11', '-1', 'low', 'Critical', '3.5']) {
      assert.throws(() => formatCef({ ...recordOf(VECTORS[0]!.input), severity }), /severity/);
    }
  });
});

describe('CEF events', () => {
  it('names the login event like the vectors baseline', () => {
    const event = storedEvent({
      action: 'user.login', category: 'authentication', success: true,
      actor: { email: 'alice' }, target: undefined, context: { ip: '10.0.0.1' }, details: undefined,
    });
    const line = formatCef(cefRecord(event));
    assert.ok(line.startsWith('CEF:0|Stele|AuditLog|1.0|user.login|User login|3|'), line);
    const ext = new Map(parseCef(line).extension);
    assert.equal(ext.get('suser'), 'alice');
    assert.equal(ext.get('src'), '10.0.0.1');
    assert.equal(ext.get('outcome'), 'success');
  });

  it('maps a full event to the documented keys', () => {
    const ext = new Map(parseCef(formatCef(cefRecord(storedEvent()))).extension);
    assert.deepEqual(Object.fromEntries(ext), {
      rt: String(Date.parse('2026-05-01T12:00:00.123Z')), externalId: 'evt_01HZX', act: 'member.role_changed',
      cat: 'authorization', outcome: 'success', suser: 'admin@example.com', suid: 'user_123', spriv: 'admin',
      src: '192.0.2.10', requestClientApplication: 'Mozilla/5.0 (X11)', requestMethod: 'POST',
      request: '/api/members/456/role', cn1Label: 'seq', cn1: '42', cn2Label: 'httpStatus', cn2: '200',
      deviceCustomDate1Label: 'receivedAt', deviceCustomDate1: String(Date.parse('2026-05-01T12:00:01.456Z')),
      cs1Label: 'targetType', cs1: 'user', cs2Label: 'targetId', cs2: 'user_456', cs3Label: 'targetName',
      cs3: 'john@example.com', cs4Label: 'requestId', cs4: 'req_9', cs5Label: 'tenantId', cs5: 'ten_1',
      cs6Label: 'details', cs6: '{"from_role":"viewer","to_role":"editor"}', flexString1Label: 'actorType',
      flexString1: 'user', flexString2Label: 'sessionId', flexString2: 'ses_7',
    });
  });

  it('puts every custom label right before its value', () => {
    const fields = cefFields(storedEvent());
    fields.forEach(([key], i) => {
      if (key.endsWith('Label')) assert.equal(fields[i + 1]?.[0], key.slice(0, -'Label'.length));
    });
  });

  it('omits what the event does not have', () => {
    const keys = cefFields(bareEvent()).map(([key]) => key);
    assert.deepEqual(keys, ['rt', 'externalId', 'act', 'cat', 'cn1Label', 'cn1', 'deviceCustomDate1Label', 'deviceCustomDate1', 'cs5Label', 'cs5']);
  });

  it('leaves out an ip that is not an address, since src is a typed field', () => {
    const event = storedEvent({ context: { ip: 'not-an-ip' } });
    assert.equal(cefFields(event).find(([key]) => key === 'src'), undefined);
  });

  it('reads hostile event fields back exactly with a strict parser', () => {
    for (const value of HOSTILE_STRINGS) {
      const event = hostileEvent(value);
      const parsed = parseCef(formatCef(cefRecord(event)));
      const ext = new Map(parsed.extension);
      assert.equal(parsed.eventClassId, headerPolicy(value));
      for (const key of ['externalId', 'act', 'suser', 'suid', 'spriv', 'requestClientApplication', 'request', 'cs1', 'cs2', 'cs3', 'cs4', 'flexString1']) {
        assert.equal(ext.get(key), value, `${key} of ${JSON.stringify(value)}`);
      }
      assert.deepEqual(JSON.parse(ext.get('cs6')!), event.details);
    }
  });

  it('ranks a failed login above a successful one', () => {
    const success = cefRecord(storedEvent({ action: 'user.login', category: 'authentication', success: true }));
    const failure = cefRecord(storedEvent({ action: 'user.login', category: 'authentication', success: false }));
    assert.equal(success.severity, 3);
    assert.equal(failure.severity, 6);
  });

  it('writes one LF-terminated line per event', () => {
    const cef = createCefFormat();
    const line = cef.encode(hostileEvent('a\r\nb'), 0);
    assert.ok(line.endsWith('\n'));
    assert.equal(line.indexOf('\n'), line.length - 1);
  });
});

describe('the strict CEF test reader', () => {
  it('rejects an unescaped = inside a value', () => {
    assert.throws(() => parseCef('CEF:0|V|P|1|e|n|1|msg=a=b'), /space/);
  });

  it('splits an unescaped key-like text into a new key, which is what escaping prevents', () => {
    assert.deepEqual(parseCef('CEF:0|V|P|1|e|n|1|msg=foo act=deny').extension, [['msg', 'foo'], ['act', 'deny']]);
  });

  it('rejects escapes the spec does not define and a trailing lone backslash', () => {
    assert.throws(() => parseCef('CEF:0|V|P|1|e|n|1|msg=a\\|b'), /escape/);
    assert.throws(() => parseCef('CEF:0|V|P|1|e|n|1|msg=a\\'), /escape/);
    assert.throws(() => parseCef('CEF:0|V\\=|P|1|e|n|1|msg=a'), /escape/);
  });

  it('rejects a header with too few fields', () => {
    assert.throws(() => parseCef('CEF:0|V|P|1|e|n'), /fields/);
  });
});
