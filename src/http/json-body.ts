// The one body parser: application/json, read as bytes and held to I-JSON (RFC 7493) before any
// route sees it. Bytes first, because JSON.parse of a decoded string never sees invalid UTF-8:
// the decoder has already replaced it with U+FFFD, and the event would be stored and hashed as
// something the client never sent. Every other media type is a 415.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SteleError } from '../domain/errors.js';
import { formatJsonPath, IJsonError, parseIJson } from '../domain/i-json.js';

export interface JsonBodyOptions {
  /** The deepest nesting any body may have (the top value is level 1). */
  maxDepth: number;
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;
// Throws on invalid UTF-8 instead of replacing it; a leading byte order mark is dropped.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function checkCharset(request: FastifyRequest): void {
  const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new SteleError('unsupported_media_type', `Send JSON as UTF-8; charset=${charset} is not read.`);
  }
}

// The range of the byte after a lead byte (RFC 3629 §4), and how many continuation bytes follow.
function sequenceOf(lead: number): { second: [number, number]; length: number } | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return { second: [0x80, 0xbf], length: 2 };
  if (lead === 0xe0) return { second: [0xa0, 0xbf], length: 3 };
  if (lead === 0xed) return { second: [0x80, 0x9f], length: 3 }; // no encoded surrogates
  if (lead >= 0xe1 && lead <= 0xef) return { second: [0x80, 0xbf], length: 3 };
  if (lead === 0xf0) return { second: [0x90, 0xbf], length: 4 };
  if (lead === 0xf4) return { second: [0x80, 0x8f], length: 4 };
  if (lead >= 0xf1 && lead <= 0xf3) return { second: [0x80, 0xbf], length: 4 };
  return undefined;
}

/** The offset of the first byte that does not start or continue valid UTF-8 (after decoding failed). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i]!;
    if (lead < 0x80) { i++; continue; }
    const sequence = sequenceOf(lead);
    if (!sequence) return i;
    const second = bytes[i + 1];
    if (second === undefined || second < sequence.second[0] || second > sequence.second[1]) return i;
    for (let k = 2; k < sequence.length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += sequence.length;
  }
  return bytes.length;
}

/** Parses a JSON body; throws a SteleError naming what is wrong and where. */
export function parseJsonBody(bytes: Buffer, maxDepth: number): unknown {
  if (bytes.length === 0) throw new SteleError('invalid_request', 'The JSON body is empty.');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new SteleError('invalid_request', `The body is not valid UTF-8 (at byte ${at}); nothing was read.`, [{ message: `invalid UTF-8 at byte ${at}` }]);
  }
  try {
    return parseIJson(text, maxDepth);
  } catch (error) {
    if (!(error instanceof IJsonError)) throw error;
    if (error.path === undefined) throw new SteleError('invalid_request', `The body is not valid JSON: ${error.message}`);
    // In an array body (a batch of events) the first step is the item: reported as its index.
    const [first, ...rest] = error.path;
    const detail = typeof first === 'number'
      ? { index: first, field: formatJsonPath(rest), message: error.message }
      : { field: formatJsonPath(error.path), message: error.message };
    const where = formatJsonPath(error.path) || 'the body';
    throw new SteleError('invalid_request', `The body is not I-JSON (RFC 7493): ${where} ${error.message}.`, [detail]);
  }
}

/** Replaces Fastify's parsers (JSON through secure-json-parse, and text/plain) with parseJsonBody. */
export function installJsonBody(app: FastifyInstance, { maxDepth }: JsonBodyOptions): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      checkCharset(request);
      done(null, parseJsonBody(body as Buffer, maxDepth));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
