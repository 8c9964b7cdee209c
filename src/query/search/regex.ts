// `field:~"regex"`: the regular expressions both engines read the same way. PostgreSQL's `~`
// (Spencer AREs) and JavaScript's RegExp (the SQLite connection's `regexp` function and the
// in-memory evaluator, sql/regex.ts) disagree on much (`\b`, `\w` beyond ASCII, `[[:alpha:]]`,
// lookbehind, lone braces), so a pattern is checked against a small common subset and rewritten
// into a canonical form with only constructs whose meaning is the same on both: literals, `.`,
// `^`, `$`, classes `[a-z]` `[^…]`, groups `( )` `(?: )`, `|`, quantifiers `* + ? {n} {n,} {n,m}`
// (lazy forms too), the escapes `\d \D \w \W \s \S \t \n \r` (rewritten as ASCII classes) and
// escaped punctuation. Anything else is an invalid_query naming it.
//
// Patterns are JavaScript-backtracked on SQLite and in memory, so constructs that can take
// exponential time are refused: an unbounded repetition of a group that itself repeats or
// alternates (`(a+)+`, `(a|b)*`), and more than three unbounded repetitions in one pattern.

import { invalidQuery } from './query-error.js';

export const REGEX_LIMITS = { maxLength: 200, maxRepeat: 100, maxUnbounded: 3 } as const;

const SYNTAX = '^$\\.*+?()[]{}|/';
const SPACE_CLASS = ' \\t\\n\\r\\f\\v';
const OUTSIDE: Record<string, string> = {
  d: '[0-9]', D: '[^0-9]', w: '[A-Za-z0-9_]', W: '[^A-Za-z0-9_]', s: `[${SPACE_CLASS}]`, S: `[^${SPACE_CLASS}]`, t: '\\t', n: '\\n', r: '\\r',
};
const INSIDE: Record<string, string> = { d: '0-9', w: 'A-Za-z0-9_', s: SPACE_CLASS, t: '\\t', n: '\\n', r: '\\r' };

/** Checks a pattern and returns its canonical form; `position` is the pattern's column in the query. */
export function portableRegex(source: string, position: number): string {
  if (source.length === 0) throw invalidQuery('empty regular expression', position);
  if (source.length > REGEX_LIMITS.maxLength) throw invalidQuery(`regular expression is longer than ${REGEX_LIMITS.maxLength} characters`, position);
  const chars = [...source];
  let i = 0;
  let unbounded = 0;
  const fail = (message: string): never => { throw invalidQuery(`invalid regular expression: ${message}`, position); };

  /** One alternation up to `)` or the end; reports whether it repeats or alternates anywhere inside. */
  function alternation(depth: number): { text: string; complex: boolean } {
    let text = '';
    let complex = false;
    for (;;) {
      const branchOut = branch(depth);
      text += branchOut.text;
      complex ||= branchOut.complex;
      if (chars[i] !== '|') return { text, complex };
      i++;
      text += '|';
      complex = true;
    }
  }

  function branch(depth: number): { text: string; complex: boolean } {
    let text = '';
    let complex = false;
    while (i < chars.length && chars[i] !== '|' && chars[i] !== ')') {
      const ch = chars[i]!;
      let atom = '';
      let quantifiable = true;
      let inner = false;
      if (ch === '^' || ch === '$') { atom = ch; quantifiable = false; i++; }
      else if (ch === '.') { atom = '.'; i++; }
      else if (ch === '(') {
        i++;
        let open = '(';
        if (chars[i] === '?') {
          if (chars[i + 1] !== ':') fail(`(?${chars[i + 1] ?? ''} is not supported (only (?: ) groups)`);
          open = '(?:';
          i += 2;
        }
        if (depth >= 16) fail('groups nested too deep');
        const body = alternation(depth + 1);
        if (chars[i] !== ')') fail('missing )');
        i++;
        atom = `${open}${body.text})`;
        inner = body.complex;
      } else if (ch === '[') atom = bracket();
      else if (ch === '\\') atom = escape();
      else if ('*+?{'.includes(ch)) fail(`${ch} has nothing to repeat`);
      else if (ch === ']' || ch === '}') fail(`a literal ${ch} must be escaped (\\${ch})`);
      else { atom = ch; i++; }
      const quantifier = repeat();
      if (quantifier) {
        if (!quantifiable) fail(`${atom} cannot be repeated`);
        complex = true;
        if (quantifier.unbounded) {
          if (inner) fail('a group that repeats or alternates inside cannot be repeated without bound (it could take very long)');
          unbounded += 1;
          if (unbounded > REGEX_LIMITS.maxUnbounded) fail(`at most ${REGEX_LIMITS.maxUnbounded} unbounded repetitions (* + {n,}) in one pattern`);
        }
        atom += quantifier.text;
      }
      complex ||= inner;
      text += atom;
    }
    return { text, complex };
  }

  function repeat(): { text: string; unbounded: boolean } | undefined {
    const ch = chars[i];
    let text: string;
    let unboundedHere: boolean;
    if (ch === '*' || ch === '+') { text = ch; unboundedHere = true; i++; }
    else if (ch === '?') { text = '?'; unboundedHere = false; i++; }
    else if (ch === '{') {
      const rest = chars.slice(i).join('');
      const m = /^\{(\d{1,3})(,(\d{0,3}))?\}/.exec(rest);
      if (!m) fail('{ starts a repetition {n}, {n,} or {n,m}; a literal { must be escaped (\\{)');
      const low = Number(m![1]);
      const high = m![2] === undefined ? low : m![3] === '' ? undefined : Number(m![3]);
      if (low > REGEX_LIMITS.maxRepeat || (high !== undefined && (high > REGEX_LIMITS.maxRepeat || high < low))) {
        fail(`a repetition {n,m} needs n <= m <= ${REGEX_LIMITS.maxRepeat}`);
      }
      text = m![0];
      unboundedHere = high === undefined;
      i += m![0].length;
    } else return undefined;
    if (chars[i] === '?') { text += '?'; i++; } // lazy: the same match or not
    if (chars[i] !== undefined && '*+?{'.includes(chars[i]!)) fail('a repetition cannot be repeated');
    return { text, unbounded: unboundedHere };
  }

  function escape(): string {
    const next = chars[i + 1];
    if (next === undefined) fail('\\ at the end');
    i += 2;
    if (OUTSIDE[next!]) return OUTSIDE[next!]!;
    if (SYNTAX.includes(next!)) return `\\${next}`;
    if (next === '-') return '-';
    return fail(`\\${next} is not supported (use \\d \\w \\s \\D \\W \\S \\t \\n \\r or escape punctuation)`);
  }

  function bracket(): string {
    i++;
    let text = '[';
    if (chars[i] === '^') { text += '^'; i++; }
    let items = 0;
    for (;;) {
      const ch = chars[i];
      if (ch === undefined) fail('missing ]');
      if (ch === ']') break;
      const low = classChar();
      if (low.set !== undefined) { text += low.set; items++; continue; }
      if (chars[i] === '-' && chars[i + 1] !== undefined && chars[i + 1] !== ']') {
        i++;
        const high = classChar();
        if (high.set !== undefined) fail('a range cannot end in a class escape');
        const a = low.char!.codePointAt(0)!;
        const b = high.char!.codePointAt(0)!;
        if (a > 0x7e || b > 0x7e) fail('ranges in [ ] are ASCII only');
        if (a > b) fail(`range ${low.char}-${high.char} is out of order`);
        text += `${low.text}-${high.text}`;
      } else text += low.text;
      items++;
    }
    i++;
    if (items === 0) fail('empty [ ]');
    return `${text}]`;
  }

  /** One member of a bracket: a character (as canonical text) or a class escape's set. */
  function classChar(): { char?: string; text: string; set?: string } {
    const ch = chars[i]!;
    if (ch === '\\') {
      const next = chars[i + 1];
      if (next === undefined) fail('\\ at the end');
      i += 2;
      if (INSIDE[next!] !== undefined && !'tnr'.includes(next!)) return { text: '', set: INSIDE[next!] };
      if (next === 't' || next === 'n' || next === 'r') return { char: { t: '\t', n: '\n', r: '\r' }[next]!, text: INSIDE[next]! };
      if (next === 'D' || next === 'W' || next === 'S') fail(`\\${next} is not supported inside [ ]`);
      if (SYNTAX.includes(next!) || next === '-') return { char: next!, text: `\\${next}` };
      return fail(`\\${next} is not supported inside [ ]`);
    }
    if (ch === '[') fail('a literal [ inside [ ] must be escaped (\\[)');
    i++;
    if (ch === '-' || ch === '^') return { char: ch, text: `\\${ch}` };
    return { char: ch, text: ch };
  }

  const out = alternation(0);
  if (i < chars.length) fail('unmatched )');
  return out.text;
}
