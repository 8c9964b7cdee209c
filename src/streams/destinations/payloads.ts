// An event in a stream's format, with the export encoders of src/export/formats/: `json` is the
// event exactly as the API returns it (id, seq and the hashes included), `ocsf` an OCSF 1.3 object,
// `cef` and `leef` one line each. Every one of them carries the event id and seq, so a receiver
// can drop the duplicates at-least-once delivery may bring.

import type { StoredEvent } from '../../domain/event.js';
import { cefRecord, formatCef, formatLeef, leefRecord, toOcsf, type ProductInfo } from '../../export/formats/index.js';
import type { StreamFormat } from './destination.js';

export interface Payload {
  /** JSON text of an object (json, ocsf) or one line of text (cef, leef). */
  text: string;
  /** True when `text` is a JSON object, so it can be spliced into a larger object. */
  isObject: boolean;
}

// Streams reading the same rows share the event objects (../shared-reads.ts): each is encoded once
// per format. The product is the server's own, the same for every stream of a process.
const encoded: Record<StreamFormat, WeakMap<StoredEvent, Payload>> = { json: new WeakMap(), ocsf: new WeakMap(), cef: new WeakMap(), leef: new WeakMap() };

export function createPayloadEncoder(format: StreamFormat, product: ProductInfo): (event: StoredEvent) => Payload {
  const encode = encoderOf(format, product);
  const cache = encoded[format];
  return (event) => {
    let payload = cache.get(event);
    if (!payload) cache.set(event, (payload = encode(event)));
    return payload;
  };
}

function encoderOf(format: StreamFormat, product: ProductInfo): (event: StoredEvent) => Payload {
  switch (format) {
    case 'json': return (event) => ({ text: JSON.stringify(event), isObject: true });
    case 'ocsf': return (event) => ({ text: JSON.stringify(toOcsf(event, product)), isObject: true });
    case 'cef': return (event) => ({ text: formatCef(cefRecord(event, product)), isObject: false });
    case 'leef': return (event) => ({ text: formatLeef(leefRecord(event, product), { version: '2.0', delimiter: '^' }), isObject: false });
  }
}

/**
 * `{<members>, ...payload's members}` without parsing the payload again: the members (already
 * JSON text, e.g. `"@timestamp":"..."`) go first. A text payload becomes `message`.
 */
export function withMembers(members: string, payload: Payload): string {
  if (!payload.isObject) return `{${members},"message":${JSON.stringify(payload.text)}}`;
  return payload.text === '{}' ? `{${members}}` : `{${members},${payload.text.slice(1)}`;
}

/** A made-up event for "test connection": shaped like a real one, with seq 0 and an id no event has. */
export function testEvent(tenantId: string, streamId: string, now: number): StoredEvent {
  const at = new Date(now).toISOString();
  return {
    tenant_id: tenantId, seq: 0, id: `stele-test-${streamId}-${now}`, action: 'stream.test', category: 'configuration',
    occurred_at: at, received_at: at, actor: { id: 'stele', type: 'system' }, success: true,
    details: { stream_id: streamId, message: 'A test event from Stele: the stream can reach this receiver. It is not part of the audit log.' },
    leaf_hash: '', chain_hash: '',
  };
}
