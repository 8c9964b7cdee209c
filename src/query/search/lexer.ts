// Query text → tokens, each with the 1-based column where it starts. Terms are lexed whole
// (`field:>=value`) because what a `:` or `*` means depends on where it stands.

import type { GlobPart } from '../../sql/regex.js';
import { invalidQuery } from './query-error.js';
import type { Comparator } from './ast.js';

export interface RawValue {
  /** The value split at unescaped wildcards: `a*b*` → ['a', 'b', '']; no wildcard → one segment. */
  readonly segments: readonly string[];
  readonly quoted: boolean;
  readonly position: number;
  /** Set when an unquoted, unescaped `?` (one character) is among the wildcards. */
  readonly glob?: readonly GlobPart[];
  /** `field:~…`: the regular expression as written (not yet checked). */
  readonly regex?: string;
}

export type Token =
  | { readonly kind: '(' | ')' | 'AND' | 'OR' | 'NOT' | '-' | 'end'; readonly position: number }
  | {
      readonly kind: 'term';
      readonly position: number;
      /** Absent for a bare word. */
      readonly field?: { readonly name: string; readonly position: number };
      readonly op: Comparator;
      readonly opPosition: number;
      readonly value: RawValue;
    };

const FIELD_CHAR = /[A-Za-z0-9_.-]/;
const isSpace = (ch: string): boolean => /\s/.test(ch);
/** Characters that end an unquoted value. */
const isBoundary = (ch: string | undefined): boolean => ch === undefined || isSpace(ch) || ch === '(' || ch === ')';

/**
 * Rejects characters no stored value can match the same way on both engines: control characters
 * (PostgreSQL text cannot hold NUL) and unpaired surrogates (they do not survive UTF-8).
 */
function checkCharacters(text: string): void {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) {
      throw invalidQuery(`control character U+${code.toString(16).padStart(4, '0').toUpperCase()} is not allowed`, i + 1);
    }
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) { i++; continue; }
      throw invalidQuery('unpaired surrogate character', i + 1);
    }
    if (code >= 0xdc00 && code <= 0xdfff) throw invalidQuery('unpaired surrogate character', i + 1);
  }
}

/** Requires text to be at most the length limit (the parser checks it first). */
export function tokenize(text: string): Token[] {
  checkCharacters(text);
  const tokens: Token[] = [];
  let i = 0;
  const at = (k: number): string | undefined => (k < text.length ? text[k] : undefined);

  /** Reads a quoted string starting at the opening quote; returns its content and the index after the closing quote. */
  function readQuoted(start: number): { content: string; next: number } {
    let content = '';
    let k = start + 1;
    for (;;) {
      const ch = at(k);
      if (ch === undefined) throw invalidQuery('unterminated quoted value: missing closing "', start + 1);
      if (ch === '"') return { content, next: k + 1 };
      if (ch === '\\') {
        const escaped = at(k + 1);
        if (escaped === undefined) throw invalidQuery('unterminated quoted value: missing closing "', start + 1);
        content += escaped;
        k += 2;
        continue;
      }
      content += ch;
      k++;
    }
  }

  /** Reads a value (quoted, optionally followed by `*`, or unquoted up to a boundary). */
  function readValue(start: number): { value: RawValue; next: number } {
    if (at(start) === '"') {
      const { content, next } = readQuoted(start);
      let k = next;
      const segments = [content];
      if (at(k) === '*') { segments.push(''); k++; }
      if (!isBoundary(at(k))) throw invalidQuery('expected a space or ) after the quoted value', k + 1);
      return { value: { segments, quoted: true, position: start + 1 }, next: k };
    }
    const segments: string[] = [];
    const glob: GlobPart[] = [];
    let one = false;
    let current = '';
    let run = '';
    const flush = () => { if (run !== '') glob.push({ text: run }); run = ''; };
    let k = start;
    while (!isBoundary(at(k))) {
      const ch = at(k)!;
      if (ch === '"') throw invalidQuery('unexpected " inside a value: quote the whole value', k + 1);
      if (ch === '\\') {
        const escaped = at(k + 1);
        if (escaped === undefined) throw invalidQuery('nothing to escape after \\ at the end of the query', k + 1);
        current += escaped;
        run += escaped;
        k += 2;
        continue;
      }
      if (ch === '*') {
        // Consecutive wildcards mean the same as one.
        if (!(current === '' && segments.length > 0)) segments.push(current);
        current = '';
        flush();
        if (!('wildcard' in (glob.at(-1) ?? {}) && (glob.at(-1) as { wildcard: string }).wildcard === '*')) glob.push({ wildcard: '*' });
        k++;
        continue;
      }
      if (ch === '?') {
        one = true;
        flush();
        glob.push({ wildcard: '?' });
      } else run += ch;
      current += ch;
      k++;
    }
    segments.push(current);
    flush();
    return { value: { segments, quoted: false, position: start + 1, ...(one && { glob }) }, next: k };
  }

  /**
   * A regular expression: quoted (`\\"` is a quote, every other backslash stays as written, so
   * `"^c\\d+$"` is ^c\d+$) or unquoted up to a space or parenthesis, backslashes as written.
   */
  function readRegex(start: number): { source: string; next: number } {
    let source = '';
    if (at(start) === '"') {
      let k = start + 1;
      for (;;) {
        const ch = at(k);
        if (ch === undefined) throw invalidQuery('unterminated quoted value: missing closing "', start + 1);
        if (ch === '"') break;
        if (ch === '\\') {
          const escaped = at(k + 1);
          if (escaped === undefined) throw invalidQuery('unterminated quoted value: missing closing "', start + 1);
          source += escaped === '"' ? '"' : `\\${escaped}`;
          k += 2;
          continue;
        }
        source += ch;
        k++;
      }
      if (!isBoundary(at(k + 1))) throw invalidQuery('expected a space or ) after the quoted value', k + 2);
      return { source, next: k + 1 };
    }
    let k = start;
    while (!isBoundary(at(k))) {
      if (at(k) === '"') throw invalidQuery('unexpected " inside a regular expression: quote the whole expression', k + 1);
      source += at(k) === '\\' && at(k + 1) !== undefined ? `${at(k)}${at(k + 1)}` : at(k);
      k += at(k) === '\\' && at(k + 1) !== undefined ? 2 : 1;
    }
    return { source, next: k };
  }

  while (i < text.length) {
    const ch = text[i]!;
    if (isSpace(ch)) { i++; continue; }
    const position = i + 1;
    if (ch === '(' || ch === ')') { tokens.push({ kind: ch, position }); i++; continue; }
    // `-term` and `-(...)` negate; a - standing alone is an ordinary word.
    const after = at(i + 1);
    if (ch === '-' && after !== undefined && after !== ')' && !isSpace(after)) { tokens.push({ kind: '-', position }); i++; continue; }

    // A field name followed by a colon?
    let k = i;
    while (k < text.length && FIELD_CHAR.test(text[k]!)) k++;
    if (k > i && at(k) === ':') {
      const field = { name: text.slice(i, k), position };
      let v = k + 1;
      let op: Comparator = '=';
      const opPosition = v + 1;
      if (text.startsWith('>=', v) || text.startsWith('<=', v)) { op = text.slice(v, v + 2) as Comparator; v += 2; }
      else if (at(v) === '>' || at(v) === '<') { op = at(v) as Comparator; v += 1; }
      if (op === '=' && at(v) === '~') {
        v += 1;
        if (isBoundary(at(v))) throw invalidQuery(`expected a regular expression after ${text.slice(i, v)}`, v + 1);
        const { source, next } = readRegex(v);
        tokens.push({ kind: 'term', position, field, op, opPosition, value: { segments: [source], quoted: true, position: v + 1, regex: source } });
        i = next;
        continue;
      }
      if (isBoundary(at(v))) throw invalidQuery(`expected a value after ${text.slice(i, v)}`, v + 1);
      const { value, next } = readValue(v);
      tokens.push({ kind: 'term', position, field, op, opPosition, value });
      i = next;
      continue;
    }

    const { value, next } = readValue(i);
    const word = text.slice(i, next);
    if (word === 'AND' || word === 'OR' || word === 'NOT') tokens.push({ kind: word, position });
    else tokens.push({ kind: 'term', position, op: '=', opPosition: position, value });
    i = next;
  }
  tokens.push({ kind: 'end', position: text.length + 1 });
  return tokens;
}
