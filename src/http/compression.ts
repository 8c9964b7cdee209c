// Compressed answers: gzip or brotli, as the client's Accept-Encoding asks (brotli preferred), for
// JSON, NDJSON, CSV, the other text formats of exports and the dashboard's scripts and styles,
// once an answer is over 1 KiB. A stream (an export) is compressed as it is sent: the encoder
// pulls from it only as fast as the socket drains, so an export stays constant in memory. The
// dashboard's assets are compressed once at build time (ui/vite.config.ts) and sent as they are
// (ui-routes.ts, `preCompressed`); a bulk export download is gzip already and is left alone.
// Request bodies are not decompressed: a sender sends plain JSON, whose size the body limit checks.

import compress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';

/** Media types worth compressing: text, JSON and NDJSON, scripts, SVG. */
export const COMPRESSIBLE = /^(?:text\/(?!event-stream)|application\/(?:json|x-ndjson|javascript|problem\+json)|image\/svg\+xml)/;

/** Smaller answers are sent as they are: compressing them costs more than it saves. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

/** Call before any route is registered: each route gets the encoder as it is declared. */
export async function installCompression(app: FastifyInstance): Promise<void> {
  await app.register(compress, {
    global: true,
    encodings: ['br', 'gzip'],
    threshold: COMPRESSION_THRESHOLD_BYTES,
    customTypes: COMPRESSIBLE,
    globalDecompression: false,
  });
}
