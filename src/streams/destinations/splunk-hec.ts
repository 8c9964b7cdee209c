// Splunk HTTP Event Collector (help.splunk.com: "Format events for HTTP Event Collector", "HTTP Event
// Collector REST API endpoints"). POST <url>/services/collector/event with `Authorization: Splunk
// <token>`; a batch is event objects one after the other (newline-separated, NOT a JSON array),
// each {time (epoch seconds, ms fraction), host, source, sourcetype, index?, event, fields}. HEC
// answers JSON {"text","code"}: code 0 is success; it is read, not only the HTTP status (a proxy's
// 200 without it is not a delivery). `fields` (indexed) carry the event id and seq.

import { compact, invalidConfig, readConfig } from './config-fields.js';
import { type DestinationType, type ReceiverAnswer, urlHost } from './destination.js';
import { answerOf, excerpt, httpRequest, unreachable } from '../../destinations/http-request.js';
import { createPayloadEncoder } from './payloads.js';

const INDEX = /^[a-z0-9_][a-z0-9_-]{0,79}$/;
const SOURCETYPE = /^[A-Za-z0-9_:.-]{1,100}$/;

/** The collector URL: the one given when it already names the endpoint, else <url>/services/collector/event. */
export function hecEndpoint(url: string): string {
  const parsed = new URL(url);
  if (/\/services\/collector(\/event(\/1\.0)?)?\/?$/.test(parsed.pathname)) return url;
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/services/collector/event`;
  return parsed.toString();
}

/** HEC's reading of an answer: HTTP 2xx and `code: 0`. */
export function hecAnswer(http: Parameters<typeof answerOf>[0]): ReceiverAnswer {
  const answer = answerOf(http);
  let reply: { code?: unknown; text?: unknown } | undefined;
  try {
    reply = JSON.parse(http.text) as typeof reply;
  } catch {
    reply = undefined;
  }
  const code = typeof reply?.code === 'number' ? reply.code : undefined;
  if (answer.ok && code === 0) return answer;
  const said = code === undefined ? 'no HEC answer (expected {"text":...,"code":0})' : `HEC code ${code}: ${String(reply?.text ?? '')}`;
  return { ...answer, ok: false, error: `HTTP ${http.status}, ${said}`, body: excerpt(http.text) };
}

export const splunkHecDestination: DestinationType = {
  type: 'splunk_hec',
  formats: ['json', 'ocsf', 'cef', 'leef'],
  limits: { maxEvents: 1000, maxBytes: 1_000_000 },
  secretFields: ['token'],
  parse(input, previous) {
    const config = readConfig(input);
    const url = config.url('url', { required: true })!;
    const token = config.secret('token', previous, { max: 200 });
    if (!token) throw invalidConfig('token', 'is required (the HEC token, a GUID)');
    const index = config.string('index', { pattern: INDEX, expected: 'a Splunk index name (lower-case letters, digits, _ and -)' });
    const sourcetype = config.string('sourcetype', { pattern: SOURCETYPE, expected: 'a sourcetype such as _json or stele:audit' });
    const source = config.string('source', { max: 200 });
    config.done();
    return { config: compact({ url, index, sourcetype, source }), secrets: { token } };
  },
  describe: (config) => hecEndpoint(String(config.url)),
  hosts: (config) => [urlHost('url', config.url)],
  open(context) {
    const endpoint = hecEndpoint(String(context.config.url));
    const { index, sourcetype, source } = context.config;
    const payload = createPayloadEncoder(context.format, context.product);
    // Everything but time, event and fields is the same for every event of the stream.
    const common = `"host":${JSON.stringify(context.hostname)},"source":${JSON.stringify(source ?? 'stele')},` +
      `"sourcetype":${JSON.stringify(sourcetype ?? (context.format === 'json' || context.format === 'ocsf' ? '_json' : `stele:${context.format}`))}` +
      (index ? `,"index":${JSON.stringify(index)}` : '');
    return {
      encode(event) {
        const time = (Date.parse(event.occurred_at) / 1000).toFixed(3);
        const fields = `{"event_id":${JSON.stringify(event.id)},"seq":"${event.seq}","tenant_id":${JSON.stringify(event.tenant_id)}}`;
        const { text, isObject } = payload(event);
        return `{"time":${time},${common},"fields":${fields},"event":${isObject ? text : JSON.stringify(text)}}`;
      },
      async send(batch, signal) {
        try {
          const http = await httpRequest(endpoint, {
            headers: { authorization: `Splunk ${context.secrets.token}`, 'content-type': 'application/json' },
            body: batch.entries.join('\n'), signal, timeoutMs: context.timeoutMs,
          });
          return hecAnswer(http);
        } catch (error) {
          return unreachable(error);
        }
      },
      close: async () => undefined,
    };
  },
};
