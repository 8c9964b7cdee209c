// `field:~"regex"`: the regular expressions both engines read the same way. PostgreSQL's `~`
// (Spencer AREs) and JavaScript's RegExp (the SQLite connection's `regexp` function and the
// in-memory evaluator, sql/regex.ts) disagree on much (`\b`, `\w` beyond ASCII, `[[:alpha:]]`,
// lookbehind, lone braces), so a pattern is checked against a small common subset and rewritten
// into a canonical form with only constructs whose meaning is the same on both: literals, `.`,
// `^`, `$`, classes `[a-z]` `[^…]`, groups `( )` `(?: )`, `|`, quantifiers `* + ? {n} {n,} {n,m}`
// (lazy forms too), the escapes `\d \D \w \W \s \S \t \n \r` (rewritten as ASCII classes) and
// escaped punctuation. Anything else is an invalid_query naming it.
//
// Both engines must answer every accepted pattern quickly. SQLite and the in-memory evaluator run
// patterns in sql/regex.ts's own matcher, which never backtracks (time linear in the value, times
// the pattern's size); PostgreSQL's engine gives up on large nested counts ("regular expression is
// too complex"), and the shapes that make a backtracking engine run for ever are refused anyway,
// so nothing stays safe by one engine alone. Refused, naming the group's place in the pattern:
// - a group repeated more than once (`*`, `+`, `{n,}`, `{n,m}` with m > 1, bounded or not) whose
//   body can match in more than one way or repeat: `|` or any repetition but an exact `{n}` inside
//   (`(a+)+`, `(a|b)*`, `(.|.){1,100}`, `(.*){2}`, `((a{1,100}){1,100})`);
// - nested counts whose product is over REGEX_LIMITS.maxNestedCount (`((a{10}){11})`);
// - a pattern over REGEX_LIMITS.maxExpandedSize characters and classes once its counts are
//   written out (`.{100}` is 100), which bounds the matcher's work per character of a value;
// - more than three unbounded repetitions in one pattern.

import { invalidQuery } from './query-error.js';

export const REGEX_LIMITS = { maxLength: 200, maxRepeat: 100, maxUnbounded: 3, maxNestedCount: 100, maxExpandedSize: 500 } as const;

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

  /**
   * What a stretch of pattern amounts to. `ambiguous`: it can match one text in more than one way
   * or length (`|`, or a repetition other than an exact {n}, anywhere inside); `size`: characters
   * and classes once counts are written out; `count`: the largest product of nested counts inside.
   */
  interface Part { text: string; ambiguous: boolean; size: number; count: number }

  /** One alternation up to `)` or the end. */
  function alternation(depth: number): Part {
    const out: Part = { text: '', ambiguous: false, size: 0, count: 1 };
    for (;;) {
      const one = branch(depth);
      out.text += one.text;
      out.ambiguous ||= one.ambiguous;
      out.size += one.size;
      out.count = Math.max(out.count, one.count);
      if (chars[i] !== '|') return out;
      i++;
      out.text += '|';
      out.ambiguous = true;
    }
  }

  function branch(depth: number): Part {
    const out: Part = { text: '', ambiguous: false, size: 0, count: 1 };
    while (i < chars.length && chars[i] !== '|' && chars[i] !== ')') {
      const ch = chars[i]!;
      const start = i;
      let atom: Part = { text: '', ambiguous: false, size: 1, count: 1 };
      let quantifiable = true;
      let group = false;
      if (ch === '^' || ch === '$') { atom = { ...atom, text: ch, size: 0 }; quantifiable = false; i++; }
      else if (ch === '.') { atom.text = '.'; i++; }
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
        atom = { ...body, text: `${open}${body.text})` };
        group = true;
      } else if (ch === '[') atom.text = bracket();
      else if (ch === '\\') atom.text = escape();
      else if ('*+?{'.includes(ch)) fail(`${ch} has nothing to repeat`);
      else if (ch === ']' || ch === '}') fail(`a literal ${ch} must be escaped (\\${ch})`);
      else { atom.text = ch; i++; }
      const quantifier = repeat();
      if (quantifier) {
        if (!quantifiable) fail(`${atom.text} cannot be repeated`);
        const where = `the group at character ${start + 1} of the pattern`;
        // Each repetition of an ambiguous body multiplies the ways to split a text among them:
        // exponential for a backtracking engine, too complex for PostgreSQL's.
        if (group && atom.ambiguous && (quantifier.high === undefined || quantifier.high > 1)) {
          fail(`a group repeated more than once may not contain | or a repetition other than {n}, as it could take very long (${where}); `
            + 'for one of several characters use a class such as [ab]');
        }
        if (quantifier.high === undefined) {
          unbounded += 1;
          if (unbounded > REGEX_LIMITS.maxUnbounded) fail(`at most ${REGEX_LIMITS.maxUnbounded} unbounded repetitions (* + {n,}) in one pattern`);
        }
        // An unbounded repetition is written out as its minimum and one loop.
        const times = quantifier.high ?? Math.max(quantifier.low, 1);
        const count = atom.count * times;
        if (count > REGEX_LIMITS.maxNestedCount) fail(`nested repetition counts multiply to more than ${REGEX_LIMITS.maxNestedCount} (${where})`);
        atom = { text: atom.text + quantifier.text, ambiguous: atom.ambiguous || quantifier.high !== quantifier.low, size: atom.size * times, count };
      }
      out.text += atom.text;
      out.ambiguous ||= atom.ambiguous;
      out.size += atom.size;
      out.count = Math.max(out.count, atom.count);
    }
    return out;
  }

  function repeat(): { text: string; low: number; high: number | undefined } | undefined {
    const ch = chars[i];
    let text: string;
    let low: number;
    let high: number | undefined;
    if (ch === '*' || ch === '+') { text = ch; low = ch === '*' ? 0 : 1; high = undefined; i++; }
    else if (ch === '?') { text = '?'; low = 0; high = 1; i++; }
    else if (ch === '{') {
      const rest = chars.slice(i).join('');
      const m = /^\{(\d{1,3})(,(\d{0,3}))?\}/.exec(rest);
      if (!m) fail('{ starts a repetition {n}, {n,} or {n,m}; a literal { must be escaped (\\{)');
      low = Number(m![1]);
      high = m![2] === undefined ? low : m![3] === '' ? undefined : Number(m![3]);
      if (low > REGEX_LIMITS.maxRepeat || (high !== undefined && (high > REGEX_LIMITS.maxRepeat || high < low))) {
        fail(`a repetition {n,m} needs n <= m <= ${REGEX_LIMITS.maxRepeat}`);
      }
      text = m![0];
      i += m![0].length;
    } else return undefined;
    if (chars[i] === '?') { text += '?'; i++; } // lazy: the same match or not
    if (chars[i] !== undefined && '*+?{'.includes(chars[i]!)) fail('a repetition cannot be repeated');
    return { text, low, high };
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
  if (out.size > REGEX_LIMITS.maxExpandedSize) {
    fail(`the pattern is too large once its repetitions are written out (${out.size}; at most ${REGEX_LIMITS.maxExpandedSize.toLocaleString('en-US')} characters and classes)`);
  }
  return out.text;
}
