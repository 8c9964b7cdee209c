// Sumo Logic HTTP Logs and Metrics Source (help.sumologic.com, "Upload Logs to an HTTP Source"):
// POST to the source's unique URL (which holds its token, so the whole URL is kept sealed and
// shown masked), one log per line, gzip-compressed (`Content-Encoding: gzip`), at most 1 MB of
// uncompressed data a request as Sumo recommends. 200 = accepted. `X-Sumo-Category`,
// `X-Sumo-Name` and `X-Sumo-Host` set the source category, name and host when given.

import { gzipSync } from 'node:zlib';
import { compact, invalidConfig, readConfig } from './config-fields.js';
import { type DestinationType, urlHost } from './destination.js';
import { post } from '../../destinations/http-request.js';
import { createPayloadEncoder } from './payloads.js';

const METADATA = /^[^\u0000-\u001f\u007f]{1,200}$/;

export const sumoDestination: DestinationType = {
  type: 'sumo',
  formats: ['json', 'ocsf', 'cef', 'leef'],
  limits: { maxEvents: 5000, maxBytes: 1_000_000 },
  secretFields: ['url'],
  parse(input, previous) {
    const config = readConfig(input);
    const url = config.secret('url', previous, { max: 2048 });
    if (!url) throw invalidConfig('url', 'is required (the HTTP source URL)');
    if (url !== previous?.url) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw invalidConfig('url', 'must be the HTTP source URL (https://...)');
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw invalidConfig('url', 'must be an http:// or https:// URL');
    }
    const category = config.string('category', { pattern: METADATA, expected: 'a source category of at most 200 printable characters' });
    const name = config.string('name', { pattern: METADATA, expected: 'a source name of at most 200 printable characters' });
    config.done();
    return { config: compact({ category, name }), secrets: { url } };
  },
  describe: () => 'a Sumo Logic HTTP source',
  hosts: (_config, secrets) => [urlHost('url', secrets.url)],
  open(context) {
    const payload = createPayloadEncoder(context.format, context.product);
    const { category, name } = context.config;
    const headers: Record<string, string> = {
      'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'gzip', 'x-sumo-host': context.hostname,
      ...(typeof category === 'string' && { 'x-sumo-category': category }),
      ...(typeof name === 'string' && { 'x-sumo-name': name }),
    };
    return {
      encode: (event) => payload(event).text,
      send: (batch, signal) => post(context.secrets.url ?? '', { headers, body: gzipSync(`${batch.entries.join('\n')}\n`), signal, timeoutMs: context.timeoutMs }),
      close: async () => undefined,
    };
  },
};
