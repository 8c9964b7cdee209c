// Datadog logs intake v2 (docs.datadoghq.com/api/latest/logs/send-logs/): POST
// https://http-intake.logs.<site>/api/v2/logs with `DD-API-KEY`, a JSON array of log items,
// gzip-compressed; at most 1,000 items and 5 MB (uncompressed) a request; 202 = accepted.
// Each item is the event's own members (id, seq, action, actor ...) as attributes, plus the
// reserved `ddsource`, `ddtags`, `hostname`, `service` and a short `message`.
// `url` replaces the site's intake URL (a proxy, or a receiver in tests).

import { gzipSync } from 'node:zlib';
import { compact, invalidConfig, readConfig } from './config-fields.js';
import { type DestinationType, urlHost } from './destination.js';
import { post } from '../../destinations/http-request.js';
import { createPayloadEncoder, withMembers } from './payloads.js';

const SITE = /^(?:[a-z0-9-]+\.)*datadoghq\.(?:com|eu)$|^ddog-gov\.com$/;
const TAG = /^[A-Za-z][A-Za-z0-9_:./-]*$/;

export const datadogIntakeUrl = (site: string): string => `https://http-intake.logs.${site}/api/v2/logs`;

export const datadogDestination: DestinationType = {
  type: 'datadog',
  formats: ['json', 'ocsf'],
  limits: { maxEvents: 1000, maxBytes: 5_000_000 },
  secretFields: ['api_key'],
  parse(input, previous) {
    const config = readConfig(input);
    const site = config.string('site', { required: true, pattern: SITE, expected: 'a Datadog site such as datadoghq.com, datadoghq.eu, us3.datadoghq.com or ddog-gov.com' });
    const apiKey = config.secret('api_key', previous, { max: 200 });
    if (!apiKey) throw invalidConfig('api_key', 'is required (a Datadog API key)');
    const service = config.string('service', { max: 100, pattern: /^[A-Za-z0-9_.:/-]+$/, expected: 'a service name (letters, digits, _ . : / -)' });
    const tags = config.strings('tags', { max: 200, pattern: TAG, expected: 'a tag such as env:prod (starting with a letter)' });
    const url = config.url('url');
    config.done();
    return { config: compact({ site, service, tags, url }), secrets: { api_key: apiKey } };
  },
  describe: (config) => String(config.url ?? datadogIntakeUrl(String(config.site))),
  hosts: (config) => [config.url ? urlHost('url', config.url) : urlHost('site', datadogIntakeUrl(String(config.site)))],
  open(context) {
    const url = String(context.config.url ?? datadogIntakeUrl(String(context.config.site)));
    const tags = (context.config.tags as string[] | undefined)?.join(',');
    const payload = createPayloadEncoder(context.format, context.product);
    const common = `"ddsource":"stele","hostname":${JSON.stringify(context.hostname)},"service":${JSON.stringify(context.config.service ?? 'stele')}` +
      (tags ? `,"ddtags":${JSON.stringify(tags)}` : '');
    return {
      encode(event) {
        // An OCSF object has its own `message`; the event as the API returns it has none.
        if (context.format === 'ocsf') return withMembers(common, payload(event));
        const who = event.actor?.email ?? event.actor?.name ?? event.actor?.id;
        const message = `${event.action}${who ? ` by ${who}` : ''}`;
        return withMembers(`${common},"message":${JSON.stringify(message)}`, payload(event));
      },
      send: (batch, signal) => post(url, {
        headers: { 'dd-api-key': context.secrets.api_key ?? '', 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(`[${batch.entries.join(',')}]`), signal, timeoutMs: context.timeoutMs,
      }),
      close: async () => undefined,
    };
  },
};
