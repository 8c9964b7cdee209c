// Query text → Ast. Recursive descent over the tokens with precedence NOT > AND > OR, implicit AND
// between adjacent terms. Every field and value is checked here, so a query that parses always
// compiles. Limits on length, nesting and term count keep any input cheap and the recursion shallow.

import { cidrRange, ipToBytes } from '../../domain/ip.js';
import { MATCH_ALL, type Ast, type Comparator, type TextMatch, type Test } from './ast.js';
import { BARE_WORD_COLUMNS, DETAILS_PREFIX, KNOWN_FIELD_NAMES, lookupField } from './fields.js';
import { tokenize, type RawValue, type Token } from './lexer.js';
import { invalidQuery } from './query-error.js';
import { portableRegex } from './regex.js';
import { parseTimeValue } from './time-value.js';

export const SEARCH_LIMITS = {
  /** Characters (UTF-16 code units) in the query text. */
  maxLength: 2_000,
  /** Parentheses and NOTs nested inside one another. */
  maxDepth: 16,
  /** Terms in one query; also bounds the SQL expression depth (SQLite allows 1,000). */
  maxTerms: 100,
} as const;

const MAX_DETAILS_PATH = 8;
const DETAILS_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** A wildcard-free value, or undefined. */
const literal = (value: RawValue): string | undefined =>
  (value.segments.length === 1 && !value.glob && value.regex === undefined ? value.segments[0] : undefined);
const isStar = (value: RawValue): boolean =>
  value.segments.length === 2 && value.segments[0] === '' && value.segments[1] === '';

function textMatch(value: RawValue): TextMatch {
  if (value.regex !== undefined) return { kind: 'regex', source: portableRegex(value.regex, value.position) };
  if (value.glob) return { kind: 'glob', parts: value.glob };
  const segments = value.segments;
  if (segments.length === 1) return { kind: 'exact', value: segments[0]! };
  if (segments.length === 2 && segments[1] === '') return { kind: 'prefix', prefix: segments[0]! };
  return { kind: 'pattern', segments };
}

function describeToken(token: Token): string {
  switch (token.kind) {
    case 'end': return 'the end of the query';
    case 'term': return 'a term';
    case '-': return '-';
    default: return token.kind;
  }
}

function resolveTerm(token: Extract<Token, { kind: 'term' }>): Test {
  const { field, op, value } = token;
  if (!field) {
    const segments = value.segments;
    if (segments.length === 1 && segments[0] === '') throw invalidQuery('empty search term', value.position);
    // A bare word is a prefix: `alice` finds alice@example.com.
    const last = value.glob?.at(-1);
    const glob = value.glob && (last && 'wildcard' in last && last.wildcard === '*' ? value.glob : [...value.glob, { wildcard: '*' as const }]);
    const match = textMatch(glob ? { ...value, glob } : { ...value, segments: segments[segments.length - 1] === '' ? segments : [...segments, ''] });
    return { type: 'bare', columns: BARE_WORD_COLUMNS, match };
  }

  const name = field.name;
  if (name === 'details' || name.startsWith(DETAILS_PREFIX)) {
    const path = name === 'details' ? [] : name.slice(DETAILS_PREFIX.length).split('.');
    if (path.length === 0) throw invalidQuery('details needs a path, e.g. details.to_role:admin', field.position);
    let offset = field.position + DETAILS_PREFIX.length;
    for (const key of path) {
      if (!DETAILS_KEY.test(key)) {
        throw invalidQuery('a details path is object keys of letters, digits, _ and -, each starting with a letter or _, joined by dots', offset);
      }
      offset += key.length + 1;
    }
    if (path.length > MAX_DETAILS_PATH) throw invalidQuery(`a details path has at most ${MAX_DETAILS_PATH} keys`, field.position);
    if (op !== '=' && value.regex === undefined) {
      const text = literal(value);
      const number = text !== undefined && /^-?\d{1,15}$/.test(text) ? Number(text) : NaN;
      if (Number.isNaN(number)) throw invalidQuery(`${name}:${op} needs a whole number (it compares JSON integers in details)`, value.position);
      return { type: 'details_number', path, op, value: number };
    }
    return { type: 'details', path, match: textMatch(value) };
  }

  const spec = lookupField(name);
  if (!spec) throw invalidQuery(`unknown field ${name}; known fields: ${KNOWN_FIELD_NAMES.join(', ')}`, field.position);

  if (op !== '=' && spec.type !== 'time' && spec.type !== 'integer') {
    throw invalidQuery(`${name} does not support ${op}: comparisons work on time, seq, http_status and details paths`, token.opPosition);
  }
  if (spec.type === 'text') return { type: 'text', field: name, columns: spec.columns, match: textMatch(value) };
  if (value.regex !== undefined) throw invalidQuery(`${name} does not support regular expressions (~): they work on text fields and details paths`, token.opPosition);

  if (isStar(value) && op === '=') return { type: 'exists', field: name as Extract<Test, { type: 'exists' }>['field'] };
  const text = literal(value);
  if (text === undefined) throw invalidQuery(`${name} does not support wildcards (only ${name}:* for "has a value")`, value.position);

  switch (spec.type) {
    case 'integer': {
      const number = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
      if (!(number <= spec.max)) throw invalidQuery(`${name} needs a whole number from 0 to ${spec.max}`, value.position);
      return { type: 'integer', field: spec.column, op, value: number };
    }
    case 'time': {
      const time = parseTimeValue(text);
      if (!time) {
        throw invalidQuery(
          `${name} needs a UTC date or date-time (2025-01-01, 2025-01-01T10:00:00Z) or now, now-7d, now-1h (units s m h d w)`,
          value.position,
        );
      }
      return { type: 'time', field: 'time', op: op as Comparator, value: time };
    }
    case 'ip': {
      const range = text.includes('/') ? cidrRange(text) : ((b) => (b ? { low: b, high: b } : undefined))(ipToBytes(text));
      if (!range) throw invalidQuery(`${name} needs an IPv4 or IPv6 address or a CIDR block such as 10.0.0.0/8`, value.position);
      return { type: 'ip', field: 'ip', low: hex(range.low), high: hex(range.high) };
    }
    case 'boolean': {
      if (text !== 'true' && text !== 'false') throw invalidQuery(`${name} needs true or false`, value.position);
      return { type: 'boolean', field: 'success', value: text === 'true' };
    }
  }
}

/**
 * Parses a search query. An empty or blank query matches every event. Throws SteleError
 * 'invalid_query' with `extra.position` (1-based column) for anything else it cannot use.
 */
export function parseQuery(text: string): Ast {
  if (text.length > SEARCH_LIMITS.maxLength) {
    throw invalidQuery(`query is longer than ${SEARCH_LIMITS.maxLength} characters`, SEARCH_LIMITS.maxLength + 1);
  }
  const tokens = tokenize(text);
  let index = 0;
  let terms = 0;
  const peek = (): Token => tokens[index]!;
  const next = (): Token => tokens[index++]!;
  const startsOperand = (t: Token): boolean => t.kind === 'term' || t.kind === '(' || t.kind === 'NOT' || t.kind === '-';

  function expectOperand(after: string): void {
    const t = peek();
    if (!startsOperand(t)) throw invalidQuery(`expected a search term ${after}, found ${describeToken(t)}`, t.position);
  }

  function parseOr(depth: number): Ast {
    const children = [parseAnd(depth)];
    while (peek().kind === 'OR') {
      next();
      expectOperand('after OR');
      children.push(parseAnd(depth));
    }
    return children.length === 1 ? children[0]! : { kind: 'or', children };
  }

  function parseAnd(depth: number): Ast {
    const children = [parseUnary(depth)];
    for (;;) {
      const t = peek();
      if (t.kind === 'AND') {
        next();
        expectOperand('after AND');
      } else if (!startsOperand(t)) {
        break;
      }
      children.push(parseUnary(depth));
    }
    return children.length === 1 ? children[0]! : { kind: 'and', children };
  }

  function enter(depth: number, position: number): number {
    if (depth >= SEARCH_LIMITS.maxDepth) throw invalidQuery(`query is nested more than ${SEARCH_LIMITS.maxDepth} levels deep`, position);
    return depth + 1;
  }

  function parseUnary(depth: number): Ast {
    const t = peek();
    if (t.kind === 'NOT' || t.kind === '-') {
      next();
      expectOperand(`after ${t.kind}`);
      return { kind: 'not', child: parseUnary(enter(depth, t.position)) };
    }
    return parsePrimary(depth);
  }

  function parsePrimary(depth: number): Ast {
    const t = next();
    if (t.kind === '(') {
      const inner = enter(depth, t.position);
      expectOperand('after (');
      const node = parseOr(inner);
      const close = peek();
      if (close.kind !== ')') {
        throw invalidQuery(`expected ) to close the ( at column ${t.position}, found ${describeToken(close)}`, close.position);
      }
      next();
      return node;
    }
    if (t.kind === 'term') {
      terms += 1;
      if (terms > SEARCH_LIMITS.maxTerms) throw invalidQuery(`query has more than ${SEARCH_LIMITS.maxTerms} terms`, t.position);
      return { kind: 'term', position: t.position, test: resolveTerm(t) };
    }
    // Unreachable through expectOperand, kept so a grammar change cannot slip through silently.
    throw invalidQuery(`expected a search term, found ${describeToken(t)}`, t.position);
  }

  if (peek().kind === 'end') return MATCH_ALL;
  expectOperand('at the start of the query');
  const ast = parseOr(0);
  const rest = peek();
  if (rest.kind !== 'end') {
    throw invalidQuery(rest.kind === ')' ? 'unmatched )' : `unexpected ${describeToken(rest)}`, rest.position);
  }
  return ast;
}
