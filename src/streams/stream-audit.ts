// What the log says about a stream: its name, type, where it sends (no secret: a Sumo URL, which
// holds its token, is never named), the filter and format, and which credentials are set.

import type { JsonObject } from '../domain/event.js';
import { DESTINATIONS } from './destinations/index.js';
import type { StreamRecord } from './stream-repository.js';

export const streamTarget = (stream: StreamRecord) => ({ type: 'stream', id: stream.id, name: stream.name });

export function describeStream(stream: StreamRecord): JsonObject {
  const credentials = Object.keys(stream.secret_masks).map((name) => `${name} set`);
  return {
    name: stream.name, type: stream.type, destination: DESTINATIONS[stream.type].describe(stream.config),
    filter: stream.filter as JsonObject, format: stream.format,
    ...(credentials.length > 0 && { credentials }),
  };
}
