// The "what changed" of an update event: each field whose value differs, as {from, to}.

import canonicalize from 'canonicalize';
import type { JsonObject, JsonValue } from '../domain/event.js';

/** Fields of `before` and `after` whose values differ (a missing field is null). */
export function changesBetween(before: JsonObject, after: JsonObject): JsonObject {
  const changes: JsonObject = {};
  for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const from: JsonValue = before[field] ?? null;
    const to: JsonValue = after[field] ?? null;
    if (canonicalize(from) !== canonicalize(to)) changes[field] = { from, to };
  }
  return changes;
}
