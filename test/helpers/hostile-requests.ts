// fast-check arbitraries for hostile HTTP requests, as raw bytes: what an attacker or a careless
// client sends to a route of the OpenAPI document. Path parameters, query strings, headers and
// bodies mix plausible values (so that requests reach deep into the handlers) with text that
// breaks naive code: NUL, lone surrogates, invalid UTF-8 and percent-encoding, overflowing and
// huge numbers, deep nesting, repeated member names, __proto__, injection into the search
// language and the filters, and page tokens edited by hand.

import fc from 'fast-check';
import { HOSTILE_STRINGS } from '../../src/domain/testing/hostile-strings.js';
import { encodeRequest } from './raw-http.js';

export interface Operation {
  method: string;
  /** OpenAPI path template, e.g. /v1/events/{id}. */
  path: string;
  /** Query parameter names the document lists for the operation. */
  query: string[];
  /** JSON Schema of the request body, when the operation takes one. */
  body?: JsonSchema;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

/** Values from the seeded server that let requests get past the first checks. */
export interface FuzzContext {
  operations: Operation[];
  tenantId: string;
  /** Ids that exist (the tenant, a key, events, a saved search, an export, a schedule). */
  ids: string[];
  /** Bearer tokens that act on the tenant with every scope: the admin's and a key's. */
  strongBearers: string[];
  /** Bearer tokens of little power: a key with one scope, a viewer token. */
  weakBearers: string[];
  /** A signed-in dashboard session: `stele_session=...` and its CSRF token. */
  session: { cookie: string; csrf: string };
  /** Page tokens the server issued, and the query strings (without `?`) of the pages that issued them. */
  pages: { query: string; token: string }[];
}

export interface HostileRequest {
  temper: Temper;
  method: string;
  target: string;
  headers: [string, string][];
  body?: Buffer;
}

/**
 * How hostile one request is. A wild request is hostile in every part and mostly stops at the
 * first check; a plausible one is well-formed and authorised with the odd hostile value, so it
 * reaches the handlers, the services and the database.
 */
export type Temper = 'wild' | 'plausible';

const hostileWeight = (temper: Temper): number => (temper === 'wild' ? 4 : 1);
const plausibleWeight = (temper: Temper): number => (temper === 'wild' ? 5 : 14);

/** The value one time in `oneIn`, otherwise null. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

// --- text --------------------------------------------------------------------------------------

const NASTY_TEXT = [
  '\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\udc00\ud800', '\ud83d', '🚀', 'e\u0301', '\u2028\u2029', '\ufeff', '\uffff', '\u202e',
  '\u0001\u001f\u007f', '%00', '%ff', '..', '../../etc/passwd', '/', '\\', "'", '"', '`', '${x}', '{{x}}', '<script>', '&amp;',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'null', 'undefined', 'NaN', 'true', '[]', '{}',
];

/** Text that has broken encoders somewhere, well-formed or not. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS, ...NASTY_TEXT) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)), maxLength: 8 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', '𝔘', '\u0000', '%'), fc.integer({ min: 200, max: 1500 })).map(([c, n]) => c.repeat(n)) },
);

const SEARCHES = [
  'action:login.*', 'actor:eve@example.com AND success:false', 'details.to_role:admin', 'NOT action:doc.created', 'time:>now-7d',
  'ip:10.0.0.0/8', '(action:login.failed OR action:member.*) AND NOT success:true', 'details.nested.deep:1', 'seq:>1', '',
  "' OR 1=1 --", '"; DROP TABLE events; --', 'actor:x OR 1=1', 'details.a.b.c.d.e:*', 'details.__proto__:x', 'details.constructor.prototype:1',
  'action:%_%', 'actor:\\', 'actor:"\\"', 'q:(', '(((((((((((((((((((((((((((((((x', `${'('.repeat(500)}x${')'.repeat(500)}`, 'NOT NOT NOT', 'AND OR',
  'time:>now-999999999w', 'time:<now+999999999d', 'time:2024-02-30', 'time:>=0000-01-01', 'time:9999-12-31T23:59:60Z', 'seq:>9007199254740993',
  'seq:>1e400', 'ip:10.0.0.0/99', 'ip:::ffff:1.2.3.4/200', 'ip:not-an-ip', 'success:maybe', 'actor:*', '*', 'x'.repeat(3000),
  'details.\u0000:x', 'actor:\ud800', 'category:"a\u0000"', 'action:login.*.*',
];

const TIMES = [
  'now', 'now-7d', 'now-1h', 'now-999999999w', 'now+999999999s', '2024-02-29', '2024-02-30', '2024-01-01T24:00:00Z', '2016-12-31T23:59:60Z',
  '2026-05-01T12:00:00.123Z', '2026-05-01T12:00:00.123456789Z', '2026-05-01t12:00:00+14:00', '0000-01-01', '9999-12-31', '1969-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T00:00Z',
];

const NUMBERS_AS_TEXT = ['', '0', '-1', '1', '2', '100', '1000', '1001', '1.5', '1e400', '-1e400', '9007199254740993', '99999999999999999999999', '0x10', 'NaN', 'Infinity'];

/** Sensible values by parameter or member name, hostile ones among them. */
const PLAUSIBLE: Record<string, readonly string[]> = {
  q: SEARCHES, query: SEARCHES,
  since: TIMES, until: TIMES, occurred_at: TIMES,
  limit: NUMBERS_AS_TEXT, after_seq: NUMBERS_AS_TEXT, tree_size: NUMBERS_AS_TEXT, from: NUMBERS_AS_TEXT, to: NUMBERS_AS_TEXT,
  // The feed long-polls for `wait` seconds: only values that do not wait, or are refused.
  wait: ['', '0', '-1', 'x', '1e3', '99999999999999999'],
  format: ['csv', 'ndjson', 'json', 'cef', 'leef', 'ocsf', 'xml', ''], frequency: ['daily', 'weekly', 'monthly', 'hourly'],
  sort: ['seq', 'occurred_at', 'id'], order: ['asc', 'desc', 'up'], success: ['true', 'false', 'yes'], include_total: ['true', 'false', '1'],
  action: ['login.failed', 'login.*', 'member.role_changed', 'a,b,,c', ',', '*', 'doc.created', 'x'.repeat(200), '-bad'],
  category: ['authentication', 'custom', 'a,b'], ip: ['10.1.2.3', '10.0.0.0/8', '::1', '::1/129', '1.2.3.4/33', '999.1.1.1', 'fe80::1%eth0'],
  actor_email: ['eve@example.com', ''], actor_id: ['u1', ''], target_type: ['user'], target_id: ['u2'], target_slug: ['s'],
  name: ['failures', 'n', 'x'.repeat(201)], email: ['admin@fuzz.example', 'nobody@example.com', ''], password: ['fuzz password', 'wrong', ''],
  directory: ['fuzz', 'fuzz/sub', '../escape', '/etc', '.', ''], control_id: ['CC6.1', ''], label: ['label', ''],
  host: ['sftp.example.com', '127.0.0.1', ''], username: ['audit'], path: ['drop', '/', '../..'], id: ['evt-1', 'client-9', ''],
  token: ['x', 'a.b.c', ''], scopes: ['audit:read', 'events:write', 'root'],
};

function valuesFor(name: string, context: FuzzContext): readonly string[] {
  // Own members only: the name may well be `constructor`.
  const known = Object.hasOwn(PLAUSIBLE, name) ? PLAUSIBLE[name]! : undefined;
  if (name === 'tenant_id') return [context.tenantId, ...context.ids];
  if (name === 'saved_search' || name.endsWith('id')) return [...context.ids, ...(known ?? [])];
  return known ?? [...NUMBERS_AS_TEXT, ...TIMES.slice(0, 3), ...context.ids];
}

/** UTF-8 (WTF-8 for lone surrogates) percent-encoding of any JavaScript string. */
export function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (/^[A-Za-z0-9\-._~]$/.test(char)) {
      out += char;
      continue;
    }
    const bytes = code >= 0xd800 && code <= 0xdfff
      ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
      : [...Buffer.from(char, 'utf8')];
    out += bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

/** Already-encoded URL text that is not valid percent-encoded UTF-8. */
const badlyEncoded = fc.constantFrom('%ff', '%fe%ff', '%zz', '%', '%e0%a4', '%c0%af', '%ed%a0%80', 'a%2', '%%', '%u0041');

/** A path segment or query value as sent on the wire. */
function encodedValue(plausible: fc.Arbitrary<string>, temper: Temper): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: plausibleWeight(temper), arbitrary: plausible.map(percentEncode) },
    { weight: hostileWeight(temper), arbitrary: hostileText.map(percentEncode) },
    { weight: temper === 'wild' ? 2 : 0, arbitrary: badlyEncoded },
  );
}

// --- page tokens -------------------------------------------------------------------------------

const EXTREME_NUMBERS = [0, -1, 1.5, 2 ** 53, 2 ** 70, -(2 ** 70), 1e300, -1e300, 8.64e15 + 1, Number.MAX_SAFE_INTEGER];

/**
 * A token the server issued with one of its parts (version, sort key, direction, time, seq,
 * filters) replaced; mostly the time or the seq, by a number that does not fit.
 */
const editedToken = (token: string): fc.Arbitrary<string> => fc.tuple(
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(3, 4) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 }) }),
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<unknown>(...EXTREME_NUMBERS) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, '1', true, [], {}, 'seq', 'occurred_at', 'sideways') },
    { weight: 2, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.string() },
  ),
).map(([at, value]) => {
  const parts = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
  parts[at] = value;
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
});

function pageToken(context: FuzzContext): fc.Arbitrary<string> {
  const tokens = context.pages.map((page) => page.token);
  return fc.oneof(
    fc.constantFrom(...tokens),
    fc.constantFrom(...tokens).chain(editedToken),
    fc.string().map((s) => Buffer.from(s).toString('base64url')),
    fc.constantFrom('', '!!!', 'W10', 'bnVsbA', Buffer.from('[1,"seq","asc",0,0]').toString('base64url'), 'A'.repeat(5000)),
  );
}

// --- query strings -----------------------------------------------------------------------------

function queryValue(name: string, context: FuzzContext, temper: Temper): fc.Arbitrary<string> {
  return encodedValue(name === 'page_token' ? pageToken(context) : fc.constantFrom(...valuesFor(name, context)), temper);
}

function queryString(operation: Operation, context: FuzzContext, temper: Temper): fc.Arbitrary<string> {
  const wild = temper === 'wild';
  // The admin acts on no tenant by itself: a plausible request names the tenant, once.
  const tenant = !wild && operation.query.includes('tenant_id') ? [`tenant_id=${context.tenantId}`] : [];
  const known = wild ? operation.query : operation.query.filter((name) => name !== 'tenant_id');
  const strangers = fc.constantFrom('offset', 'limit', 'page', '__proto__', 'constructor', 'a[b]', 'q[]', '', 'tenant_id[]', '%00', '%ff', 'x'.repeat(300));
  const name = known.length > 0
    ? fc.oneof({ weight: wild ? 6 : 40, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: strangers })
    : strangers;
  const pair = (n: string) => queryValue(n.startsWith('%') ? 'x' : n, context, temper).map((value) => `${n.startsWith('%') ? n : percentEncode(n)}=${value}`);
  // Wild requests repeat names at will; plausible ones give each name once (filters may repeat).
  const names = wild ? fc.array(name, { minLength: 1, maxLength: 5 }) : fc.uniqueArray(name, { minLength: 1, maxLength: 5 });
  const pairs = names.chain((chosen) => fc.tuple(...chosen.map(pair)));
  // The next page of a query the server paged, its token edited: a token only counts with its own query.
  const nextPage = fc.constantFrom(...context.pages).chain((page) => editedToken(page.token).map((token) => [...tenant, page.query, `page_token=${token}`]));
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(tenant) },
    { weight: operation.query.includes('page_token') ? 3 : 0, arbitrary: nextPage },
    // A plausible request to a route without parameters sends none.
    { weight: wild || known.length > 0 ? 6 : 0, arbitrary: pairs.map((list) => [...tenant, ...list]) },
    { weight: wild ? 1 : 0, arbitrary: fc.constantFrom(['?'], ['&&'], ['='], ['a'], ['a=1', 'a=2', 'a=3'], ['+=+'], [';x=1']) },
  ).map((list) => (list.length === 0 ? '' : `?${list.join('&')}`));
}

// --- bodies ------------------------------------------------------------------------------------

// JSON that JSON.stringify cannot write, put in place of a marker string after stringifying.
const RAW_JSON = [
  '1e400', '-1e400', '12345678901234567890', '9007199254740993', '-9007199254740992', '1E+2', '-0.0', '1e-400',
  '{"k":1,"k":2}', '{"__proto__":{"polluted":1},"__proto__":2}', '{"a":1,"\\u0061":2}', '"\\ud800"', '"\\udfff\\ud800"', '"a\\u0000b"',
  `${'['.repeat(40)}1${']'.repeat(40)}`, `${'{"a":'.repeat(30)}1${'}'.repeat(30)}`, `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
];
const MARKER = '\u0001raw\u0001';

const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.1, 5e-324, 1e308, -1e308, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 100, 599, 600, 65536, 3600, 1e21),
  fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileText, hostileNumber, fc.boolean(), fc.constant(null),
    fc.constantFrom(...RAW_JSON.map((_, i) => `${MARKER}${i}`)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'action', 'name', 'id'), hostileText), tie('value'), { maxKeys: 4 }),
  ),
})).value;

// Member names an object body may carry besides the ones its schema lists.
const STRAY_NAMES = ['__proto__', 'constructor', 'extra', '', 'a\u0000', '\ud800', 'x'.repeat(100)];
// Members of free-form objects (filters, details): filter names among them.
const FREE_NAMES = ['action', 'actor_id', 'success', 'since', 'ip', 'q', 'to_role', 'nested', '__proto__', 'constructor', 'a.b', ''];

/** A value for a JSON Schema (member `name` of its parent): mostly of the right type, sometimes anything. */
function fromSchema(schema: JsonSchema | undefined, context: FuzzContext, temper: Temper, name = '', depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return hostileJson;
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return fc.oneof(...choices.map((s) => fromSchema(s, context, temper, name, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  let typed: fc.Arbitrary<unknown>;
  if (schema.enum) typed = fc.constantFrom(...schema.enum);
  else if (type === 'string') typed = fc.constantFrom(...valuesFor(name, context));
  else if (type === 'integer' || type === 'number') typed = fc.oneof(fc.integer({ min: 1, max: 5 }), hostileNumber);
  else if (type === 'boolean') typed = fc.boolean();
  else if (type === 'array') typed = fc.array(fromSchema(schema.items, context, temper, name, depth + 1), { minLength: 1, maxLength: 4 });
  else if (type === 'object' && schema.properties && Object.keys(schema.properties).length > 0) {
    const members = Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, fromSchema(s, context, temper, k, depth + 1)]));
    typed = fc.record(members, { requiredKeys: [] }).chain((record) =>
      sometimes(fc.dictionary(fc.constantFrom(...STRAY_NAMES), hostileJson, { minKeys: 1, maxKeys: 1 }), temper === 'wild' ? 2 : 10)
        .map((extra) => ({ ...record, ...extra })));
  } else if (type === 'object') {
    typed = fc.dictionary(fc.constantFrom(...FREE_NAMES), fc.oneof(fc.constantFrom(...valuesFor('action', context), true, false), hostileJson), { maxKeys: 4 });
  } else typed = hostileJson;
  return fc.oneof({ weight: plausibleWeight(temper), arbitrary: typed }, { weight: hostileWeight(temper), arbitrary: hostileJson });
}

function stringifyWithRaw(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.replace(/"\\u0001raw\\u0001(\d+)"/g, (_, i: string) => RAW_JSON[Number(i)]!);
}

const INVALID_UTF8 = [[0xff], [0xc3], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0x80], [0xf4, 0x90, 0x80, 0x80]];

function body(operation: Operation, context: FuzzContext, temper: Temper): fc.Arbitrary<Buffer | undefined> {
  const value = fromSchema(operation.body, context, temper);
  const json = fc.oneof(
    { weight: 6, arbitrary: value },
    { weight: 1, arbitrary: fc.array(value, { minLength: 1, maxLength: 4 }) },
    { weight: hostileWeight(temper), arbitrary: hostileJson },
  ).map((v) => Buffer.from(stringifyWithRaw(v)));
  if (temper === 'plausible') return json;
  const withBadBytes = fc.tuple(json, fc.nat(), fc.constantFrom(...INVALID_UTF8))
    .map(([text, at, bad]) => { const cut = at % (text.length + 1); return Buffer.concat([text.subarray(0, cut), Buffer.from(bad), text.subarray(cut)]); });
  const truncated = fc.tuple(json, fc.nat()).map(([text, at]) => text.subarray(0, at % (text.length + 1)));
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 8, arbitrary: json },
    { weight: 1, arbitrary: withBadBytes },
    { weight: 1, arbitrary: truncated },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '\ufeff{}', '{} {}', '{"a":1}garbage', 'null', '"str"', '123', 'NaN', "{'a':1}", '[,]', '\u0000')
      .map((text) => Buffer.from(text)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 80_000 }).map((n) => Buffer.from(JSON.stringify({ action: 'a', details: { blob: 'x'.repeat(n) } }))) },
  );
}

// --- headers -----------------------------------------------------------------------------------

/** Header text as bytes in latin1: obs-text (0x80-0xff) is allowed, control characters are not. */
const latin1Text = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 60 });
const controlText = fc.constantFrom('a\u0000b', '\u0001', 'x\u007fy', 'tab\tok');

function authorization(context: FuzzContext, temper: Temper): fc.Arbitrary<string | undefined> {
  const strong = fc.constantFrom(...context.strongBearers).map((b) => `Bearer ${b}`);
  if (temper === 'plausible') return fc.oneof({ weight: 6, arbitrary: strong }, { weight: 1, arbitrary: fc.constant(undefined) });
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: strong },
    { weight: 3, arbitrary: fc.constantFrom(...context.weakBearers).map((b) => `Bearer ${b}`) },
    { weight: 2, arbitrary: fc.oneof(latin1Text, fc.constantFrom('Bearer', 'Bearer ', 'bearer x', 'Basic YTpi', 'Bearer stv_', 'Bearer stv_a.b.c', 'Bearer a b'))
      .map((v) => (v.startsWith('B') ? v : `Bearer ${v}`)) },
    { weight: 1, arbitrary: fc.constantFrom(...context.strongBearers, ...context.weakBearers).map((b) => `Bearer ${b.slice(0, -1)}${b.endsWith('a') ? 'b' : 'a'}`) },
    { weight: 1, arbitrary: controlText.map((v) => `Bearer ${v}`) },
  );
}

function cookie(context: FuzzContext, temper: Temper): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.constant(context.session.cookie) },
    { weight: temper === 'wild' ? 2 : 0, arbitrary: fc.oneof(fc.constantFrom('%ff', '%00', '%', '%ed%a0%80', '', '=', 'a=b=c', 'x'.repeat(3000)), latin1Text)
      .map((v) => `stele_session=${v}`) },
    { weight: temper === 'wild' ? 1 : 0, arbitrary: latin1Text },
  );
}

const contentType = fc.constantFrom(
  'application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=UTF-8',
  'application/json; charset=latin1', 'application/json;;;', 'APPLICATION/JSON', 'text/plain', 'text/json', 'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x', 'application/merge-patch+json', '(bad', '', '*/*',
);

function headers(context: FuzzContext, temper: Temper, hasBody: boolean): fc.Arbitrary<[string, string][]> {
  const wild = temper === 'wild';
  return fc.record({
    authorization: authorization(context, temper),
    cookie: cookie(context, temper),
    csrf: sometimes(wild ? fc.oneof(fc.constant(context.session.csrf), latin1Text) : fc.constant(context.session.csrf), 2),
    origin: sometimes(fc.constantFrom('http://127.0.0.1', 'https://evil.example', 'null', '%ff', 'http://[::1'), 4),
    type: !wild ? fc.constant(hasBody ? 'application/json' : null)
      : hasBody ? fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 7, arbitrary: contentType }) : sometimes(contentType, 5),
    extra: fc.array(fc.tuple(fc.constantFrom('x-request-id', 'accept', 'accept-version', 'x-forwarded-proto', 'user-agent', 'range', 'if-none-match', 'accept-encoding'),
      fc.oneof(latin1Text, fc.constantFrom('bytes=99999999-', 'bytes=0-0,1-1,2-2', '*', 'gzip, br', 'https', 'x'.repeat(2_000)))), { maxLength: 2 }),
    oversized: wild ? sometimes(fc.constant('x'.repeat(20_000)), 40) : fc.constant(null),
    control: wild ? sometimes(controlText, 40) : fc.constant(null),
  }).map((h) => {
    const out: [string, string][] = [];
    if (h.authorization !== undefined) out.push(['authorization', h.authorization]);
    if (h.cookie !== undefined) out.push(['cookie', h.cookie]);
    if (h.csrf !== null) out.push(['x-stele-csrf', h.csrf]);
    if (h.origin !== null) out.push(['origin', h.origin]);
    if (h.type !== null) out.push(['content-type', h.type]);
    out.push(...h.extra);
    if (h.oversized !== null) out.push(['x-padding', h.oversized]);
    if (h.control !== null) out.push(['x-note', h.control]);
    return out;
  });
}

// --- the request -------------------------------------------------------------------------------

function target(operation: Operation, context: FuzzContext, temper: Temper): fc.Arbitrary<string> {
  const segments = operation.path.match(/\{[^}]+\}/g) ?? [];
  const segment = encodedValue(fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...context.ids) },
    { weight: 1, arbitrary: fc.constantFrom('x', '0', 'a'.repeat(129), 'a'.repeat(1500)) },
  ), temper);
  const path = fc.array(segment, { minLength: segments.length, maxLength: segments.length })
    .map((values) => values.reduce((p, v) => p.replace(/\{[^}]+\}/, v), operation.path));
  const raw = fc.constantFrom('/v1/ev ents', '/v1/events\u00ff', '/v1/events/\u0001', '*', '//v1/events', '/v1/events/..%2F..%2F', '/v1/events#frag', 'http://evil/v1/events');
  return fc.oneof(
    { weight: 30, arbitrary: fc.tuple(path, queryString(operation, context, temper)).map(([p, q]) => p + q) },
    { weight: temper === 'wild' ? 1 : 0, arbitrary: raw },
  );
}

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'QUERY'];

function requestOf(operation: Operation, context: FuzzContext, temper: Temper): fc.Arbitrary<HostileRequest> {
  const method = temper === 'plausible' ? fc.constant(operation.method)
    : fc.oneof({ weight: 12, arbitrary: fc.constant(operation.method) }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) });
  const takesBody = operation.body !== undefined;
  const maybeBody = takesBody ? body(operation, context, temper)
    : temper === 'wild' ? sometimes(body(operation, context, temper), 8).map((b) => b ?? undefined) : fc.constant(undefined);
  return fc.record({ method, target: target(operation, context, temper), body: maybeBody })
    .chain((request) => headers(context, temper, request.body !== undefined).map((h) => ({ temper, ...request, headers: h })));
}

/** A request to one of the context's operations: half of them wild, half plausible. */
export function hostileRequest(context: FuzzContext): fc.Arbitrary<HostileRequest> {
  return fc.tuple(fc.constantFrom(...context.operations), fc.constantFrom<Temper>('wild', 'plausible'))
    .chain(([operation, temper]) => requestOf(operation, context, temper));
}

export const requestBytes = (request: HostileRequest): Buffer => encodeRequest(request);

/** A short description of a request for failure messages. */
export function describeRequest(request: HostileRequest): string {
  const body = request.body === undefined ? '' : ` body(${request.body.length}) ${JSON.stringify(request.body.subarray(0, 300).toString('latin1'))}`;
  return `(${request.temper}) ${request.method} ${request.target.slice(0, 500)} ${JSON.stringify(request.headers.map(([n, v]) => `${n}: ${v.slice(0, 80)}`))}${body}`;
}
