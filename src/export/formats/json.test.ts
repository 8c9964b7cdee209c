import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createJsonFormat } from './json.js';
import { HOSTILE_STRINGS, bareEvent, hostileEvent, storedEvent } from './testing/events.js';
import type { StoredEvent } from '../../domain/event.js';

const json = createJsonFormat();

function exportJson(events: StoredEvent[]): string {
  return json.header() + events.map((e, i) => json.encode(e, i)).join('') + json.footer();
}

describe('JSON export', () => {
  it('is a valid empty array when there are no rows', () => {
    assert.deepEqual(JSON.parse(exportJson([])), []);
  });

  it('is a valid array of one', () => {
    assert.deepEqual(JSON.parse(exportJson([storedEvent()])), [storedEvent()]);
  });

  it('places commas between elements only, for many rows', () => {
    const events = [storedEvent(), bareEvent(), ...HOSTILE_STRINGS.map((s, i) => hostileEvent(s, i + 3))];
    assert.deepEqual(JSON.parse(exportJson(events)), events);
  });

  it('keeps the integrity fields of every event', () => {
    const [parsed] = JSON.parse(exportJson([storedEvent()]));
    assert.equal(parsed.leaf_hash, 'a'.repeat(64));
    assert.equal(parsed.chain_hash, 'b'.repeat(64));
  });
});
