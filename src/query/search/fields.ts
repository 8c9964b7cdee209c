// The searchable fields: what each is called in a query, its type, the columns behind it, and the
// operators it takes. The parser, the compiler and `GET /v1/events/filters` all read this table.

import type { EventTextColumn } from '../../store/event-columns.js';
import { REGEX_LIMITS } from './regex.js';

export type FieldSpec =
  | { readonly type: 'text'; readonly columns: readonly EventTextColumn[]; readonly description: string }
  | { readonly type: 'integer'; readonly column: 'seq' | 'http_status'; readonly max: number; readonly description: string }
  | { readonly type: 'time'; readonly column: 'occurred_at'; readonly description: string }
  | { readonly type: 'ip'; readonly column: 'ip_bin'; readonly description: string }
  | { readonly type: 'boolean'; readonly column: 'success'; readonly description: string };

const text = (columns: readonly EventTextColumn[], description: string): FieldSpec => ({ type: 'text', columns, description });

export const FIELDS = {
  id: text(['id'], 'Event id'),
  action: text(['action'], 'What happened, e.g. user.login'),
  category: text(['category'], 'Event category'),
  actor: text(['actor_id', 'actor_email'], 'Actor id or actor email'),
  'actor.id': text(['actor_id'], 'Actor id'),
  'actor.email': text(['actor_email'], 'Actor email'),
  'actor.type': text(['actor_type'], 'Actor type, e.g. user'),
  'actor.name': text(['actor_name'], 'Actor display name'),
  'actor.role': text(['actor_role'], 'Actor role'),
  'target.type': text(['target_type'], 'Target type'),
  'target.id': text(['target_id'], 'Target id'),
  'target.slug': text(['target_slug'], 'Target slug'),
  'target.name': text(['target_name'], 'Target name'),
  ip: { type: 'ip', column: 'ip_bin', description: 'Client IP address (IPv4 or IPv6), or a CIDR block such as 10.0.0.0/8' },
  success: { type: 'boolean', column: 'success', description: 'Whether the action succeeded: true or false' },
  time: { type: 'time', column: 'occurred_at', description: 'When the event occurred (UTC): 2025-01-01, 2025-01-01T10:00Z, now-7d' },
  seq: { type: 'integer', column: 'seq', max: Number.MAX_SAFE_INTEGER, description: 'Position in the tenant log' },
  request_id: text(['request_id'], 'Request id'),
  session_id: text(['session_id'], 'Session id'),
  http_status: { type: 'integer', column: 'http_status', max: 999, description: 'HTTP status of the request' },
  method: text(['method'], 'HTTP method'),
  location: text(['location'], 'Where the request came from, as the client reported it (context.location)'),
  user_agent: text(['user_agent'], 'The client\'s user agent (context.user_agent)'),
  country: text(['geo_country'], 'Country of context.ip (ISO 3166-1 alpha-2, e.g. DE), looked up by the server at ingest in its GeoIP database (geo.country); absent without one'),
  'geo.country': text(['geo_country'], 'The same as country'),
} as const satisfies Record<string, FieldSpec>;

export type FieldName = keyof typeof FIELDS;

export const DETAILS_PREFIX = 'details.';

/** A word without a field looks in these columns. */
export const BARE_WORD_COLUMNS: readonly EventTextColumn[] = [
  'action', 'actor_id', 'actor_email', 'actor_name', 'target_id', 'target_name',
];

export const lookupField = (name: string): FieldSpec | undefined =>
  Object.hasOwn(FIELDS, name) ? FIELDS[name as FieldName] : undefined;

export const KNOWN_FIELD_NAMES: readonly string[] = [...Object.keys(FIELDS), 'details.<path>'];

export type FieldType = FieldSpec['type'] | 'json';

export interface FieldDescription {
  name: string;
  type: FieldType;
  /** Operators after the colon: `:` equality, `:val*` prefix, `:a*b` wildcard, `:*` has a value, comparisons. */
  operators: string[];
  description: string;
  example: string;
}

const OPERATORS: Record<FieldType, string[]> = {
  text: [':', ':prefix*', ':wild*card', ':one?char', ':*', ':~"regex"'],
  json: [':', ':prefix*', ':wild*card', ':one?char', ':*', ':~"regex"', ':>', ':>=', ':<', ':<='],
  integer: [':', ':>', ':>=', ':<', ':<=', ':*'],
  time: [':', ':>', ':>=', ':<', ':<=', ':*'],
  ip: [':', ':cidr', ':*'],
  boolean: [':', ':*'],
};

const EXAMPLES: Record<string, string> = {
  action: 'action:user.login.*',
  actor: 'actor:alice@example.com',
  ip: 'ip:10.0.0.0/8',
  success: 'success:false',
  time: 'time:>now-7d',
  seq: 'seq:>1000',
  http_status: 'http_status:>=500',
  country: 'country:DE',
};

export interface LanguageDescription {
  fields: FieldDescription[];
  keywords: string[];
  bareWordFields: string[];
  relativeTimeUnits: string[];
  limits: { maxLength: number; maxDepth: number; maxTerms: number };
  /** What wildcards and regular expressions mean. */
  matching: { wildcards: string; regex: string; regexLimits: typeof REGEX_LIMITS };
  examples: string[];
}

/** The language as data, for `GET /v1/events/filters` and client-side help. */
export function describeLanguage(limits: LanguageDescription['limits']): LanguageDescription {
  const fields: FieldDescription[] = Object.entries(FIELDS).map(([name, spec]) => ({
    name,
    type: spec.type,
    operators: OPERATORS[spec.type],
    description: spec.description,
    example: EXAMPLES[name] ?? `${name}:${spec.type === 'text' ? 'value' : '*'}`,
  }));
  fields.push({
    name: 'details.<path>',
    type: 'json',
    operators: OPERATORS.json,
    description: 'A string, number or boolean inside details, by object keys: details.to_role, details.a.b; :> :>= :< :<= compare JSON integers (details.rows:>1000)',
    example: 'details.to_role:admin',
  });
  return {
    fields,
    keywords: ['AND', 'OR', 'NOT', '-', '(', ')'],
    bareWordFields: ['action', 'actor.id', 'actor.email', 'actor.name', 'target.id', 'target.name'],
    relativeTimeUnits: ['s', 'm', 'h', 'd', 'w'],
    limits,
    matching: {
      wildcards: 'In an unquoted value, * is any run of characters and ? exactly one character; \\* \\? or quotes make them literal (action:user.?ogin*).',
      regex: 'field:~"pattern" on text fields and details paths: the value contains a match (anchor with ^ and $), case-sensitive. '
        + 'Supported: literals, ., [a-z] [^...], ( ) (?: ), |, * + ? {n} {n,} {n,m} and their lazy forms, \\d \\w \\s \\D \\W \\S (ASCII), '
        + '\\t \\n \\r and escaped punctuation; inside quotes \\" is a quote and other backslashes stay as written. '
        + 'Refused with a 400: other escapes (\\b, \\p, back-references), lookaround, named groups, POSIX classes, '
        + 'a group repeated more than once that contains | or a repetition other than {n} ((a|b){2}, (a+)+; use [ab]{2}), '
        + 'nested counts multiplying to more than 100, more than 500 characters and classes once counts are written out, '
        + 'more than 3 unbounded repetitions, patterns over 200 characters.',
      regexLimits: REGEX_LIMITS,
    },
    examples: [
      'actor:alice@example.com AND action:login.* AND time:>now-7d',
      '(action:user.deleted OR action:user.suspended) -actor.type:system',
      'details.to_role:admin ip:10.0.0.0/8',
      'actor.id:~"^svc-[0-9]{2,3}$" action:token.?reated',
    ],
  };
}
