// Sigma (sigmahq.io) → an ordinary alert rule. A detection compiles to a search-language query
// (selections, keyword lists, modifiers, wildcards and the condition expression); a correlation
// (`event_count`, `value_count`) in the same YAML stream becomes the rule's threshold or distinct
// condition over the base rules it names. Field names map through FIELD_MAP (README "Sigma"); a
// rule for `logsource: {product: stele}` uses the event's own paths. Anything this does not
// support is a 400 naming the construct, and nothing is half-imported.

import { parseAllDocuments } from 'yaml';
import { SteleError } from '../domain/errors.js';
import { parseQuery } from '../query/search/index.js';
import { isGroupField } from './alert-fields.js';
import type { Condition, Severity } from './alert-rule.js';

const unsupported = (construct: string, why = 'is not supported') =>
  new SteleError('invalid_request', `Sigma: ${construct} ${why}`, [{ field: 'sigma', message: `${construct} ${why}` }]);

/** Sigma field names (ECS and Windows-style) → the search language's fields. */
export const FIELD_MAP: Record<string, string> = {
  'user.name': 'actor', user: 'actor', User: 'actor', TargetUserName: 'actor', SubjectUserName: 'actor', username: 'actor',
  'user.id': 'actor.id', 'user.email': 'actor.email', 'user.roles': 'actor.role',
  'source.ip': 'ip', 'client.ip': 'ip', src_ip: 'ip', IpAddress: 'ip', ClientIP: 'ip',
  'event.action': 'action', 'event.category': 'category', 'event.outcome': 'success',
  'user_agent.original': 'user_agent', 'http.user_agent': 'user_agent', UserAgent: 'user_agent',
  // The ISO code is the country the server looks up (STELE_GEOIP_DATABASE); names are the client's own location text.
  'source.geo.country_iso_code': 'country', 'source.geo.country_name': 'location', 'source.geo.city_name': 'location',
  'http.request.method': 'method', 'http.response.status_code': 'http_status',
  'session.id': 'session_id', 'http.request.id': 'request_id',
};

/** The event's own paths (product stele, and accepted in any rule). */
const STELE_PATHS: Record<string, string> = {
  id: 'id', action: 'action', category: 'category', success: 'success',
  'actor.id': 'actor.id', 'actor.email': 'actor.email', 'actor.type': 'actor.type', 'actor.name': 'actor.name', 'actor.role': 'actor.role',
  'target.id': 'target.id', 'target.type': 'target.type', 'target.name': 'target.name', 'target.slug': 'target.slug',
  'context.ip': 'ip', 'context.location': 'location', 'context.user_agent': 'user_agent', 'context.request_id': 'request_id',
  'context.session_id': 'session_id', 'context.method': 'method', 'context.http_status': 'http_status', 'geo.country': 'country',
};

/** Group-by and value fields of correlations: Sigma names → alert-fields.ts names. */
const GROUP_MAP: Record<string, string> = { actor: 'actor.id' };

const INTEGER_FIELDS = new Set(['http_status', 'seq']);
/** Fields a regular expression cannot apply to. */
const NOT_TEXT = new Set(['ip', 'success', 'http_status', 'seq', 'time']);

function searchField(name: string, stele: boolean): string {
  if (name.startsWith('details.')) return name;
  const mapped = (stele ? undefined : FIELD_MAP[name]) ?? STELE_PATHS[name] ?? FIELD_MAP[name];
  if (!mapped) throw unsupported(`field "${name}"`, 'has no Stele field (see the mapping table in src/alerts/README.md)');
  return mapped;
}

/** A literal for an unquoted value: every character but letters, digits and a few safe ones escaped. */
const escapeLiteral = (text: string): string => text.replace(/[^A-Za-z0-9_.@/]/g, (ch) => `\\${ch}`);

/** A Sigma string (with its `*` and `?` wildcards, `\` escapes) → the search language's value. */
function sigmaValue(text: string): string {
  if (text === '') return '""';
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length && '*?\\'.includes(text[i + 1]!)) { out += escapeLiteral(text[++i]!); continue; }
    if (ch === '*') { out += '*'; continue; }
    if (ch === '?') { out += '?'; continue; }
    out += escapeLiteral(ch);
  }
  return out;
}

const or = (parts: string[]) => (parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`);
const and = (parts: string[]) => (parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`);

const COMPARISONS: Record<string, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };
const MODIFIERS = new Set(['contains', 'startswith', 'endswith', 'all', 'cidr', 'exists', 're', ...Object.keys(COMPARISONS)]);
/** Modifiers that place a value inside the field's text: a number is matched as its text under them. */
const TEXT_MODIFIERS = ['contains', 'startswith', 'endswith'];

function fieldTerm(key: string, raw: unknown, stele: boolean): string {
  const [name, ...modifiers] = key.split('|');
  for (const modifier of modifiers) {
    if (!MODIFIERS.has(modifier)) throw unsupported(`the modifier |${modifier}`);
  }
  const field = searchField(name!, stele);
  if (modifiers.includes('re')) return regexTerms(field, modifiers, raw, key);
  const values = Array.isArray(raw) ? raw : [raw];
  if (values.length === 0) throw unsupported(`an empty list for ${key}`);
  const terms = values.map((value) => valueTerm(field, modifiers, value, key));
  return modifiers.includes('all') ? and(terms) : or(terms);
}

/** `field|re`: each value a regular expression, matched anywhere in the value (as Sigma means it). */
function regexTerms(field: string, modifiers: string[], raw: unknown, key: string): string {
  if (modifiers.length > 1) throw unsupported(`${key}: |re`, 'cannot be combined with other modifiers');
  if (NOT_TEXT.has(field)) throw unsupported(`${key}: |re`, `does not apply to ${field} (only text fields and details paths)`);
  const values = Array.isArray(raw) ? raw : [raw];
  if (values.length === 0) throw unsupported(`an empty list for ${key}`);
  return or(values.map((value) => {
    if (typeof value !== 'string') throw unsupported(`${key}: |re`, 'needs a string');
    const term = `${field}:~"${value.replace(/"/g, '\\"')}"`;
    try {
      parseQuery(term);
    } catch (error) {
      throw unsupported(`${key}: the regular expression ${JSON.stringify(value)}`, `is refused: ${error instanceof Error ? error.message : String(error)}`);
    }
    return term;
  }));
}

function valueTerm(field: string, modifiers: string[], value: unknown, key: string): string {
  if (modifiers.includes('exists')) {
    if (typeof value !== 'boolean') throw unsupported(`${key}: |exists`, 'needs true or false');
    return value ? `${field}:*` : `NOT ${field}:*`;
  }
  if (value === null) return `NOT ${field}:*`;
  const comparison = modifiers.find((m) => Object.hasOwn(COMPARISONS, m));
  if (comparison) {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw unsupported(`${key}: |${comparison}`, 'needs a whole number');
    if (!INTEGER_FIELDS.has(field) && !field.startsWith('details.')) throw unsupported(`${key}: |${comparison}`, `does not apply to ${field} (only http_status, seq and details paths)`);
    return `${field}:${COMPARISONS[comparison]}${value}`;
  }
  if (modifiers.includes('cidr')) {
    if (field !== 'ip' || typeof value !== 'string') throw unsupported(`${key}: |cidr`, 'applies to an address field such as source.ip');
    return `ip:${escapeLiteral(value)}`;
  }
  if (field === 'success') {
    const truth = value === true || value === 'success' || value === 'true' ? 'true' : value === false || value === 'failure' || value === 'false' ? 'false' : undefined;
    if (!truth) throw unsupported(`${key}: ${JSON.stringify(value)}`, 'must be success/failure or true/false');
    return `success:${truth}`;
  }
  const textModifier = modifiers.find((m) => TEXT_MODIFIERS.includes(m));
  if (textModifier === undefined && (typeof value === 'number' || typeof value === 'boolean')) return `${field}:${escapeLiteral(String(value))}`;
  if (textModifier !== undefined) {
    if (NOT_TEXT.has(field)) throw unsupported(`${key}: |${textModifier}`, `does not apply to ${field} (only text fields and details paths)`);
    if (typeof value === 'boolean') throw unsupported(`${key}: |${textModifier}`, 'needs a string or a number');
  }
  // YAML reads bare digits as a number; under contains/startswith/endswith Sigma matches its text.
  if (typeof value !== 'string' && typeof value !== 'number') throw unsupported(`${key}: a value that is not a string, number or boolean`);
  let text = typeof value === 'number' ? escapeLiteral(String(value)) : sigmaValue(value);
  if (modifiers.includes('contains')) text = `*${text}*`;
  else if (modifiers.includes('startswith')) text = `${text}*`;
  else if (modifiers.includes('endswith')) text = `*${text}`;
  return `${field}:${text.replace(/\*{2,}/g, '*')}`;
}

function keywordTerm(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') throw unsupported('a keyword that is not a string');
  return `*${sigmaValue(String(value))}*`.replace(/\*{2,}/g, '*');
}

/**
 * A keyword list under a key of modifiers only (`''`, `'|all'`): each keyword is a word anywhere in
 * the event, ORed, or ANDed under `|all`. No other modifier has a meaning here that Stele can keep.
 */
function keywordListTerm(key: string, raw: unknown): string {
  const modifiers = key.split('|').slice(1);
  const other = modifiers.find((m) => m !== 'all');
  if (other !== undefined) throw unsupported(`the modifier |${other} on a keyword list`, 'is not supported (only |all is)');
  const values = Array.isArray(raw) ? raw : [raw];
  if (values.length === 0) throw unsupported(`an empty list for the keyword list '${key}'`);
  const terms = values.map(keywordTerm);
  return modifiers.includes('all') ? and(terms) : or(terms);
}

function selectionQuery(name: string, selection: unknown, stele: boolean): string {
  if (Array.isArray(selection)) {
    if (selection.length === 0) throw unsupported(`the empty selection ${name}`);
    return or(selection.map((item) => (item !== null && typeof item === 'object' ? selectionQuery(name, item, stele) : keywordTerm(item))));
  }
  if (selection !== null && typeof selection === 'object') {
    const entries = Object.entries(selection as Record<string, unknown>);
    if (entries.length === 0) throw unsupported(`the empty selection ${name}`);
    return and(entries.map(([key, value]) => (key === '' || key.startsWith('|') ? keywordListTerm(key, value) : fieldTerm(key, value, stele))));
  }
  return keywordTerm(selection);
}

// The condition expression: identifiers, and/or/not, parentheses, `1 of x*`, `all of them`.
function conditionQuery(text: string, selections: Map<string, string>): string {
  const tokens = text.match(/\(|\)|[^\s()]+/g) ?? [];
  let index = 0;
  const peek = () => tokens[index];
  const matching = (pattern: string): string[] => {
    const names = [...selections.keys()];
    if (pattern === 'them') {
      // The specification leaves identifiers beginning with _ out of `them` (they are named explicitly).
      const them = names.filter((n) => !n.startsWith('_'));
      if (them.length === 0) throw unsupported(`the condition "${text}"`, 'names them, which matches no selection (those beginning with _ are left out)');
      return them;
    }
    const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    const found = names.filter((n) => re.test(n));
    if (found.length === 0) throw unsupported(`the condition "${text}"`, `names ${pattern}, which matches no selection`);
    return found;
  };
  function parseOr(): string {
    const parts = [parseAnd()];
    while (peek()?.toLowerCase() === 'or') { index++; parts.push(parseAnd()); }
    return or(parts);
  }
  function parseAnd(): string {
    const parts = [parseNot()];
    while (peek()?.toLowerCase() === 'and') { index++; parts.push(parseNot()); }
    return and(parts);
  }
  function parseNot(): string {
    if (peek()?.toLowerCase() === 'not') { index++; return `NOT ${parseNot()}`; }
    return parsePrimary();
  }
  function parsePrimary(): string {
    const token = tokens[index++];
    if (token === undefined) throw unsupported(`the condition "${text}"`, 'ends too early');
    if (token === '(') {
      const inner = parseOr();
      if (tokens[index++] !== ')') throw unsupported(`the condition "${text}"`, 'has an unclosed (');
      return inner;
    }
    if (token === '1' || token.toLowerCase() === 'all' || token.toLowerCase() === 'any') {
      if (peek()?.toLowerCase() !== 'of') {
        if (selections.has(token)) return selections.get(token)!;
        throw unsupported(`the condition "${text}"`, `names ${token}, which is not a selection`);
      }
      index++;
      const target = tokens[index++];
      if (target === undefined) throw unsupported(`the condition "${text}"`, 'ends after "of"');
      const parts = matching(target).map((n) => selections.get(n)!);
      return token.toLowerCase() === 'all' ? and(parts) : or(parts);
    }
    if (/^\d+$/.test(token) && peek()?.toLowerCase() === 'of') throw unsupported(`"${token} of"`, 'is not supported (only "1 of" and "all of")');
    if (token === '|' || token.includes('|')) throw unsupported('aggregations in the condition (|)', 'are not supported: write a correlation rule');
    const selection = selections.get(token);
    if (selection === undefined) throw unsupported(`the condition "${text}"`, `names ${token}, which is not a selection`);
    return selection;
  }
  const query = parseOr();
  if (index < tokens.length) throw unsupported(`the condition "${text}"`, `has something unexpected at "${tokens[index]}"`);
  return query;
}

type Doc = Record<string, unknown>;

function detectionQuery(doc: Doc): string {
  const detection = doc.detection as Doc | undefined;
  if (!detection || typeof detection !== 'object') throw unsupported('a rule without a detection section');
  if (detection.timeframe !== undefined) throw unsupported('detection.timeframe', 'is not supported: write a correlation rule');
  const logsource = (doc.logsource ?? {}) as Doc;
  const stele = logsource.product === 'stele';
  const selections = new Map<string, string>();
  for (const [name, value] of Object.entries(detection)) {
    if (name === 'condition') continue;
    selections.set(name, selectionQuery(name, value, stele));
  }
  const condition = Array.isArray(detection.condition) ? detection.condition : [detection.condition];
  if (condition.length === 0 || !condition.every((c) => typeof c === 'string')) throw unsupported('detection.condition', 'must be a string');
  return or((condition as string[]).map((c) => conditionQuery(c, selections)));
}

const LEVELS: Record<string, Severity> = { informational: 'low', low: 'low', medium: 'medium', high: 'high', critical: 'critical' };

function severityOf(doc: Doc): Severity {
  if (doc.level === undefined) return 'medium';
  const level = LEVELS[String(doc.level)];
  if (!level) throw unsupported(`level "${String(doc.level)}"`, 'is not a Sigma level');
  return level;
}

function minutesOf(timespan: unknown): number {
  const match = typeof timespan === 'string' ? /^(\d+)([smhdw])$/.exec(timespan) : null;
  if (!match) throw unsupported(`correlation.timespan ${JSON.stringify(timespan)}`, 'must be like 30s, 10m, 1h, 2d');
  const seconds = Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[match[2] as 's']!;
  return Math.max(1, Math.ceil(seconds / 60));
}

function groupName(name: unknown, stele: boolean): string {
  if (typeof name !== 'string') throw unsupported('a group-by field that is not a string');
  const mapped = searchField(name, stele);
  const field = GROUP_MAP[mapped] ?? mapped;
  if (!isGroupField(field)) throw unsupported(`the group-by field "${name}"`, 'cannot group alerts');
  return field;
}

function countOf(condition: unknown): number {
  const c = (condition ?? {}) as Doc;
  // An alert fires at a count of at least N; an upper bound (lt, lte, even beside gte/gt) or eq/neq cannot be kept.
  const other = Object.keys(c).find((k) => k !== 'field' && k !== 'gte' && k !== 'gt');
  if (other !== undefined) throw unsupported(`correlation.condition ${other}`, 'is not supported (alerts fire at a count of at least N: use gte or gt alone)');
  if (c.gte !== undefined && c.gt !== undefined) throw unsupported('correlation.condition with both gte and gt', 'is not supported (use one)');
  if (typeof c.gte === 'number' && Number.isInteger(c.gte) && c.gte >= 1) return c.gte;
  if (typeof c.gt === 'number' && Number.isInteger(c.gt) && c.gt >= 0) return c.gt + 1;
  const key = Object.keys(c).find((k) => k !== 'field');
  throw unsupported(`correlation.condition ${key ?? '{}'}`, 'is not supported (alerts fire at a count of at least N: use gte or gt)');
}

export interface SigmaRule {
  name: string;
  query: string;
  condition: Condition;
  severity: Severity;
  source: { sigma: { title: string; id?: string } };
}

function titleOf(doc: Doc): string {
  if (typeof doc.title !== 'string' || doc.title.trim() === '') throw unsupported('a rule without a title');
  return doc.title.trim().slice(0, 200);
}

/** Compiles a YAML stream: one detection rule, or base rules and one correlation that names them. */
export function compileSigma(text: unknown): SigmaRule {
  if (typeof text !== 'string' || text.trim() === '') throw new SteleError('invalid_request', 'sigma must be the YAML text of a Sigma rule', [{ field: 'sigma', message: 'missing' }]);
  const documents = parseAllDocuments(text);
  const docs: Doc[] = [];
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    if (document.errors.length > 0) throw new SteleError('invalid_request', `sigma is not valid YAML: ${document.errors[0]!.message}`, [{ field: 'sigma', message: 'not YAML' }]);
    const value = document.toJS({ maxAliasCount: 10 }) as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw unsupported('a YAML document that is not a mapping');
    docs.push(value as Doc);
  }
  const correlations = docs.filter((d) => d.correlation !== undefined);
  const bases = docs.filter((d) => d.correlation === undefined);
  if (correlations.length > 1) throw unsupported('more than one correlation rule in one import');
  if (correlations.length === 0) {
    if (bases.length !== 1) throw unsupported(`${bases.length} detection rules without a correlation`, 'cannot be one alert rule: import them one at a time');
    const doc = bases[0]!;
    const id = typeof doc.id === 'string' ? doc.id : undefined;
    return { name: titleOf(doc), query: detectionQuery(doc), condition: { type: 'any', group_by: [] }, severity: severityOf(doc), source: { sigma: { title: titleOf(doc), ...(id && { id }) } } };
  }
  const doc = correlations[0]!;
  const correlation = doc.correlation as Doc;
  const names = Array.isArray(correlation.rules) ? correlation.rules : [correlation.rules];
  const used = names.map((ref) => {
    const base = bases.find((b) => b.name === ref || b.id === ref);
    if (!base) throw unsupported(`correlation.rules: ${String(ref)}`, 'names no rule in this YAML stream (put the base rules before the correlation, separated by ---)');
    return base;
  });
  const unused = bases.find((b) => !used.includes(b));
  if (unused) throw unsupported(`the rule "${String(unused.title)}"`, 'is not named by the correlation');
  const logsources = new Set(used.map((b) => ((b.logsource ?? {}) as Doc).product === 'stele'));
  const stele = logsources.has(true) && logsources.size === 1;
  const query = or(used.map(detectionQuery));
  const group_by = (correlation['group-by'] === undefined ? [] : Array.isArray(correlation['group-by']) ? correlation['group-by'] : [correlation['group-by']]).map((g) => groupName(g, stele));
  const window_minutes = minutesOf(correlation.timespan);
  let condition: Condition;
  switch (correlation.type) {
    case 'event_count':
      condition = { type: 'threshold', count: countOf(correlation.condition), window_minutes, group_by };
      break;
    case 'value_count': {
      const field = ((correlation.condition ?? {}) as Doc).field;
      condition = { type: 'distinct', field: groupName(field, stele), count: countOf(correlation.condition), window_minutes, group_by };
      break;
    }
    default:
      throw unsupported(`correlation type ${String(correlation.type)}`, 'is not supported (event_count and value_count are)');
  }
  const id = typeof doc.id === 'string' ? doc.id : undefined;
  return { name: titleOf(doc), query, condition, severity: severityOf(doc), source: { sigma: { title: titleOf(doc), ...(id && { id }) } } };
}
