// RFC 5424 messages and RFC 6587 octet counting, pure: the frame length counts UTF-8 bytes, the
// header fields are printable ASCII or NILVALUE, and structured-data values are escaped.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../../domain/event.js';
import { headerField, octetCounted, sdValue, syslogMessage, syslogSeverity } from './syslog-message.js';

const event = (over: Partial<StoredEvent> = {}): StoredEvent => ({
  tenant_id: 't-1', seq: 42, id: 'evt-"1"]\\', action: 'user.login', category: 'authentication',
  occurred_at: '2026-05-01T12:00:00.123Z', received_at: '2026-05-01T12:00:00.200Z', success: true, leaf_hash: '', chain_hash: '', ...over,
});

describe('syslog messages', () => {
  it('writes an RFC 5424 header with the event id, seq and tenant as structured data', () => {
    const message = syslogMessage({ facility: 13, hostname: 'stele-1', appName: 'stele', procId: '4242' }, event(), 'hello');
    assert.equal(message, '<110>1 2026-05-01T12:00:00.123Z stele-1 stele 4242 audit [stele@32473 id="evt-\\"1\\"\\]\\\\" seq="42" tenant="t-1"] hello');
  });

  it('counts octets, not characters, so multi-byte text and line breaks stay one frame', () => {
    assert.equal(octetCounted('é\nü'), '5 é\nü');
    assert.equal(octetCounted(''), '0 ');
  });

  it('keeps header fields to printable ASCII without spaces, or the NILVALUE', () => {
    assert.equal(headerField('my host', 255), 'my_host');
    assert.equal(headerField('', 48), '-');
    assert.equal(headerField('x'.repeat(60), 48).length, 48);
  });

  it('escapes ", \\ and ] in PARAM-VALUEs', () => {
    assert.equal(sdValue('a"b\\c]d'), 'a\\"b\\\\c\\]d');
  });

  it('gives failures and security events a more urgent severity', () => {
    assert.equal(syslogSeverity({ success: false, category: 'data' }), 4);
    assert.equal(syslogSeverity({ success: true, category: 'security' }), 5);
    assert.equal(syslogSeverity({ category: 'data' }), 6);
  });
});
