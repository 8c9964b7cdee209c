// The HTTP receivers' side of each vendor's documented protocol: what a request must look like
// (the check), what the receiver answers when all is well, and which events a request carried.
// Sources are the ones quoted in src/streams/destinations/*.ts and /work/shared/vectors/formats/siem.md.

import { verifyWebhook } from '../../src/background/standard-webhooks.js';
import type { ReceivedRequest, Reply } from './http-receiver.js';

export interface Carried { id: string; seq: number }

export interface VendorReceiver {
  type: string;
  /** The stream's config for a receiver at `url`. */
  config(url: string): Record<string, unknown>;
  check(request: ReceivedRequest, secret: string | undefined): string[];
  ok(request: ReceivedRequest): Reply;
  /** What "busy, come back later" looks like for this vendor, with Retry-After. */
  busy(retryAfterSeconds: number): Reply;
  /** The events a request carried, in order ([] for a request that is not a delivery, such as a token request). */
  carried(request: ReceivedRequest): Carried[];
  /** The most events and uncompressed bytes a request may hold. */
  limits: { events: number; bytes: number };
}

const problems = (...checks: [boolean, string][]) => checks.filter(([ok]) => !ok).map(([, message]) => message);

/** `{...}{...}` or newline-separated objects, as HEC takes them; throws on anything else. */
export function concatenatedObjects(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) out.push(JSON.parse(text.slice(start, i + 1)) as Record<string, unknown>);
    } else if (depth === 0 && !/\s/.test(c!)) throw new Error(`unexpected ${c} between event objects at ${i}`);
  }
  if (depth !== 0) throw new Error('unterminated event object');
  return out;
}

const SPLUNK_TOKEN = '12345678-1234-1234-1234-123456789012';

export const webhookReceiver: VendorReceiver = {
  type: 'webhook',
  config: (url) => ({ url: `${url}/hooks/audit` }),
  check(request, secret) {
    const now = Math.floor(Date.now() / 1000);
    let body: { type?: unknown; events?: unknown } = {};
    try {
      body = JSON.parse(request.body) as typeof body;
    } catch { /* reported below */ }
    return problems(
      [request.method === 'POST' && request.url === '/hooks/audit', `sent to ${request.method} ${request.url}`],
      [request.headers['content-type'] === 'application/json', 'content-type is not application/json'],
      [secret !== undefined && verifyWebhook(secret, request.headers as Record<string, string>, request.raw, now), 'the Standard Webhooks signature does not verify'],
      [!String(request.headers['webhook-id']).includes('.'), 'webhook-id contains a dot'],
      [body.type === 'audit.events' && Array.isArray(body.events), 'the body is not {"type":"audit.events","events":[...]}'],
    );
  },
  ok: () => ({ status: 204 }),
  busy: (s) => ({ status: 429, headers: { 'retry-after': String(s) } }),
  carried: (request) => (JSON.parse(request.body) as { events: Carried[] }).events.map(({ id, seq }) => ({ id, seq })),
  limits: { events: 1000, bytes: 1_000_000 },
};

export const splunkReceiver: VendorReceiver = {
  type: 'splunk_hec',
  config: (url) => ({ url, token: SPLUNK_TOKEN, index: 'audit', sourcetype: '_json' }),
  check(request) {
    let objects: Record<string, unknown>[] = [];
    let parseError = '';
    try {
      objects = concatenatedObjects(request.body);
    } catch (error) {
      parseError = (error as Error).message;
    }
    return problems(
      [request.url === '/services/collector/event', `sent to ${request.url}`],
      [request.headers.authorization === `Splunk ${SPLUNK_TOKEN}`, 'Authorization is not "Splunk <token>"'],
      [!request.body.trimStart().startsWith('['), 'the batch is a JSON array (HEC wants objects one after the other)'],
      [parseError === '', `not concatenated event objects: ${parseError}`],
      [objects.every((o) => typeof o.time === 'number' && typeof o.host === 'string' && o.source === 'stele' && o.sourcetype === '_json' && o.index === 'audit' && typeof o.event === 'object'),
        'an event object lacks time (number), host, source, sourcetype, index or event'],
      [objects.every((o) => typeof (o.fields as Record<string, unknown>)?.event_id === 'string'), 'an event object lacks fields.event_id'],
    );
  },
  ok: () => ({ status: 200, body: '{"text":"Success","code":0}' }),
  busy: (s) => ({ status: 503, headers: { 'retry-after': String(s) }, body: '{"text":"Server is busy","code":9}' }),
  carried: (request) => concatenatedObjects(request.body).map((o) => {
    const event = o.event as Carried;
    return { id: event.id, seq: event.seq };
  }),
  limits: { events: 1000, bytes: 1_000_000 },
};

export const datadogReceiver: VendorReceiver = {
  type: 'datadog',
  config: (url) => ({ site: 'datadoghq.eu', api_key: 'dd0123456789abcdef0123456789abcd', service: 'audit', tags: ['env:test', 'team:sec'], url: `${url}/api/v2/logs` }),
  check(request) {
    let items: Record<string, unknown>[] = [];
    try {
      items = JSON.parse(request.body) as Record<string, unknown>[];
    } catch { /* reported below */ }
    return problems(
      [request.url === '/api/v2/logs', `sent to ${request.url}`],
      [request.headers['dd-api-key'] === 'dd0123456789abcdef0123456789abcd', 'DD-API-KEY missing or wrong'],
      [request.headers['content-encoding'] === 'gzip', 'not gzip-compressed'],
      [Array.isArray(items), 'the body is not a JSON array of log items'],
      [items.length <= 1000, `${items.length} items in one request (at most 1,000)`],
      [Buffer.byteLength(request.body) <= 5_000_000, 'more than 5 MB uncompressed'],
      [items.every((i) => i.ddsource === 'stele' && i.service === 'audit' && i.ddtags === 'env:test,team:sec' && typeof i.hostname === 'string' && typeof i.message === 'string'),
        'an item lacks ddsource, service, ddtags, hostname or message'],
    );
  },
  ok: () => ({ status: 202, body: '{}' }),
  busy: (s) => ({ status: 429, headers: { 'retry-after': String(s) } }),
  carried: (request) => (JSON.parse(request.body) as Carried[]).map(({ id, seq }) => ({ id, seq })),
  limits: { events: 1000, bytes: 5_000_000 },
};

/** An index that keeps documents by _id, so a resent `create` is a 409 as in Elasticsearch. */
export function elasticReceiver(): VendorReceiver & { documents: Map<string, Record<string, unknown>>; refuse?: (id: string) => number | undefined } {
  const documents = new Map<string, Record<string, unknown>>();
  const pairs = (body: string) => {
    const lines = body.split('\n');
    const out: { action: Record<string, { _index: string; _id: string }>; doc: Record<string, unknown> }[] = [];
    for (let i = 0; i + 1 < lines.length; i += 2) out.push({ action: JSON.parse(lines[i]!), doc: JSON.parse(lines[i + 1]!) });
    return out;
  };
  const receiver = {
    type: 'elastic',
    documents,
    refuse: undefined as ((id: string) => number | undefined) | undefined,
    config: (url: string) => ({ url, index: 'stele-audit', api_key: 'aWQ6c2VjcmV0' }),
    check(request: ReceivedRequest) {
      let parsed: ReturnType<typeof pairs> = [];
      let parseError = '';
      try {
        parsed = pairs(request.body);
      } catch (error) {
        parseError = (error as Error).message;
      }
      return problems(
        [request.url === '/_bulk', `sent to ${request.url}`],
        [request.headers['content-type'] === 'application/x-ndjson', 'content-type is not application/x-ndjson'],
        [request.headers.authorization === 'ApiKey aWQ6c2VjcmV0', 'Authorization is not "ApiKey <base64>"'],
        [request.body.endsWith('\n'), 'the last line does not end with a newline'],
        [parseError === '' && request.body.split('\n').length % 2 === 1, `not action/document line pairs: ${parseError}`],
        [parsed.every(({ action, doc }) => action.create?._index === 'stele-audit' && action.create._id === doc.id && typeof doc['@timestamp'] === 'string'),
          'an action is not create with _index and _id = the event id, or a document lacks @timestamp'],
      );
    },
    ok(request: ReceivedRequest): Reply {
      const items = pairs(request.body).map(({ action, doc }) => {
        const id = action.create!._id;
        const refused = receiver.refuse?.(id);
        if (refused) return { create: { _index: 'stele-audit', _id: id, status: refused, error: { type: refused === 429 ? 'es_rejected_execution_exception' : 'mapper_parsing_exception', reason: 'refused by the test' } } };
        if (documents.has(id)) return { create: { _index: 'stele-audit', _id: id, status: 409, error: { type: 'version_conflict_engine_exception', reason: 'document already exists' } } };
        documents.set(id, doc);
        return { create: { _index: 'stele-audit', _id: id, status: 201, result: 'created' } };
      });
      return { status: 200, body: JSON.stringify({ took: 3, errors: items.some((i) => i.create.status >= 300), items }) };
    },
    busy: (s: number): Reply => ({ status: 429, headers: { 'retry-after': String(s) }, body: '{"error":{"type":"es_rejected_execution_exception"},"status":429}' }),
    carried: (request: ReceivedRequest) => pairs(request.body).map(({ doc }) => ({ id: doc.id as string, seq: doc.seq as number })),
    limits: { events: 1000, bytes: 5_000_000 },
  };
  return receiver;
}

export const sumoReceiver: VendorReceiver = {
  type: 'sumo',
  config: (url) => ({ url: `${url}/receiver/v1/http/ZaVnC4dhaV2ZdEqg3ieVMMHDHw0dpmRwMeNzZeCTbdE`, category: 'stele/audit' }),
  check(request) {
    const lines = request.body.split('\n').filter(Boolean);
    return problems(
      [request.url === '/receiver/v1/http/ZaVnC4dhaV2ZdEqg3ieVMMHDHw0dpmRwMeNzZeCTbdE', `sent to ${request.url}`],
      [request.headers['content-encoding'] === 'gzip', 'not gzip-compressed'],
      [request.headers['x-sumo-category'] === 'stele/audit', 'X-Sumo-Category missing'],
      [Buffer.byteLength(request.body) <= 1_000_000, 'more than 1 MB uncompressed'],
      [lines.every((l) => { try { JSON.parse(l); return true; } catch { return false; } }), 'a line is not one JSON event'],
    );
  },
  ok: () => ({ status: 200 }),
  busy: (s) => ({ status: 429, headers: { 'retry-after': String(s) } }),
  carried: (request) => request.body.split('\n').filter(Boolean).map((l) => {
    const { id, seq } = JSON.parse(l) as Carried;
    return { id, seq };
  }),
  limits: { events: 100_000, bytes: 1_000_000 },
};

const ENTRA_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT_ID = '0b3a1c2d-1111-2222-3333-444455556666';
const RULE = 'dcr-00112233445566778899aabbccddeeff';

/** Entra ID's token endpoint and the Logs Ingestion API on one server; counts the tokens issued. */
export function sentinelReceiver(): VendorReceiver & { tokensIssued: () => number } {
  let issued = 0;
  const isToken = (request: ReceivedRequest) => request.url === `/${ENTRA_TENANT}/oauth2/v2.0/token`;
  return {
    type: 'sentinel',
    tokensIssued: () => issued,
    config: (url) => ({
      tenant_id: ENTRA_TENANT, client_id: CLIENT_ID, client_secret: 'Qx8Q~client.secret-value_1234', endpoint: url,
      rule_id: RULE, stream_name: 'Custom-SteleAudit', authority_host: url,
    }),
    check(request) {
      if (isToken(request)) {
        const form = new URLSearchParams(request.body);
        return problems(
          [request.headers['content-type'] === 'application/x-www-form-urlencoded', 'the token request is not a form'],
          [form.get('grant_type') === 'client_credentials' && form.get('client_id') === CLIENT_ID && form.get('client_secret') === 'Qx8Q~client.secret-value_1234',
            'not a client-credentials grant with the client id and secret'],
          [form.get('scope') === 'https://monitor.azure.com//.default', `scope is ${form.get('scope')}`],
        );
      }
      let rows: Record<string, unknown>[] = [];
      try {
        rows = JSON.parse(request.body) as typeof rows;
      } catch { /* reported below */ }
      return problems(
        [request.url === `/dataCollectionRules/${RULE}/streams/Custom-SteleAudit?api-version=2023-01-01`, `sent to ${request.url}`],
        [request.headers.authorization === `Bearer token-${issued}`, `Authorization is ${request.headers.authorization}, not the latest token`],
        [Array.isArray(rows) && rows.every((r) => typeof r.TimeGenerated === 'string'), 'not a JSON array of rows with TimeGenerated'],
        [Buffer.byteLength(request.body) <= 1_000_000, 'more than 1 MB in one call'],
      );
    },
    ok(request) {
      if (!isToken(request)) return { status: 204 };
      issued += 1;
      return { status: 200, body: JSON.stringify({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: `token-${issued}` }) };
    },
    busy: (s) => ({ status: 429, headers: { 'retry-after': String(s) }, body: '{"error":{"code":"TooManyRequests"}}' }),
    carried: (request) => (isToken(request) ? [] : (JSON.parse(request.body) as Carried[]).map(({ id, seq }) => ({ id, seq }))),
    limits: { events: 100_000, bytes: 1_000_000 },
  };
}
