// How a search's regular expression is matched in JavaScript: on SQLite (the `regexp` function each
// connection registers, so `x REGEXP ?` works) and in the in-memory evaluator. The patterns are
// the canonical subset query/search/regex.ts lets through, with the meaning JavaScript's RegExp
// gives them under flags `su` (`.` matches a newline, as on PostgreSQL; characters are code
// points, as PostgreSQL's), case-sensitively.
//
// Not with RegExp itself: V8's engine backtracks, so `(.|.){1,100}X`, or `a?` thirty times then
// `a{30}`, takes exponential time on a short value, on the one thread that serves every tenant.
// A pattern is compiled to a Thompson automaton instead, run a character at a time as a DFA built
// lazily from it (RE2's way): time linear in the value, times the pattern's size at worst,
// whatever the pattern, and no backtracking at all. Counts are written out (`a{2,4}` is `aaa?a?`),
// so the checker's bound on that size (REGEX_LIMITS.maxExpandedSize) bounds the work per character.

/** A pattern outside the canonical syntax, or too large to run; the search checker lets none through. */
export class RegexRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegexRefusedError';
  }
}

// SQLSTATEs of the SQL standard for a pattern the database will not read: invalid_regular_expression
// (PostgreSQL also answers "regular expression is too complex" so) and invalid_escape_sequence.
const PATTERN_SQLSTATES = new Set(['2201B', '22025']);

/**
 * Why the database (or regexTest) refused a pattern of the statement, when `error` or an error it
 * wraps (`cause`) is such a refusal; undefined for any other error. The HTTP layer answers these as
 * a bad query (400), not as a failure of the server.
 */
export function patternRefusalOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof RegexRefusedError) return e.message;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && PATTERN_SQLSTATES.has(code)) return e.message;
  }
  return undefined;
}

// ---- The pattern as a tree -------------------------------------------------------------------

/** Code points in sorted [low, high] pairs, or outside them when negated (`.` is negated and empty). */
interface CharSet { readonly negated: boolean; readonly ranges: readonly number[] }

type Node =
  | { readonly kind: 'chars'; readonly set: CharSet }
  | { readonly kind: 'begin' | 'end' }
  | { readonly kind: 'seq'; readonly items: readonly Node[] }
  | { readonly kind: 'alt'; readonly options: readonly Node[] }
  | { readonly kind: 'repeat'; readonly body: Node; readonly low: number; readonly high: number | undefined };

const SYNTAX = '^$\\.*+?()[]{}|/';
const CONTROL: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13 };
const ANY: CharSet = { negated: true, ranges: [] };

function parse(source: string): Node {
  const chars = [...source];
  let i = 0;
  const fail = (what: string): never => {
    throw new RegexRefusedError(`unsupported regular expression ${JSON.stringify(source)}: ${what} at character ${i + 1}`);
  };
  const code = (ch: string): number => ch.codePointAt(0)!;

  function alternation(): Node {
    const options = [sequence()];
    while (chars[i] === '|') {
      i++;
      options.push(sequence());
    }
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  }

  function sequence(): Node {
    const items: Node[] = [];
    while (i < chars.length && chars[i] !== '|' && chars[i] !== ')') items.push(quantified(atom()));
    return items.length === 1 ? items[0]! : { kind: 'seq', items };
  }

  function atom(): Node {
    const ch = chars[i]!;
    if (ch === '^' || ch === '$') { i++; return { kind: ch === '^' ? 'begin' : 'end' }; }
    if (ch === '.') { i++; return { kind: 'chars', set: ANY }; }
    if (ch === '(') {
      i++;
      if (chars[i] === '?') {
        if (chars[i + 1] !== ':') fail('only (?: ) groups');
        i += 2;
      }
      const body = alternation();
      if (chars[i] !== ')') fail('missing )');
      i++;
      // A group may be repeated even when it holds only an assertion (`(^)?`); a bare one may not.
      return body.kind === 'begin' || body.kind === 'end' ? { kind: 'seq', items: [body] } : body;
    }
    if (ch === '[') return { kind: 'chars', set: bracket() };
    if (ch === '\\') {
      const next = chars[i + 1];
      if (next !== undefined && CONTROL[next] !== undefined) { i += 2; return single(CONTROL[next]!); }
      if (next !== undefined && SYNTAX.includes(next)) { i += 2; return single(code(next)); }
      return fail(`the escape \\${next ?? ''}`);
    }
    if ('*+?{}]'.includes(ch)) fail(`a lone ${ch}`);
    i++;
    return single(code(ch));
  }

  function single(c: number): Node {
    return { kind: 'chars', set: { negated: false, ranges: [c, c] } };
  }

  function quantified(body: Node): Node {
    const ch = chars[i];
    let low: number;
    let high: number | undefined;
    if (ch === '*' || ch === '+' || ch === '?') {
      i++;
      [low, high] = ch === '*' ? [0, undefined] : ch === '+' ? [1, undefined] : [0, 1];
    } else if (ch === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(chars.slice(i, i + 16).join(''));
      if (!m) return fail('a { that starts no count');
      low = Number(m[1]);
      high = m[2] === undefined ? low : m[3] === '' ? undefined : Number(m[3]);
      if (high !== undefined && high < low) fail('a count {n,m} with m < n');
      i += m[0].length;
    } else return body;
    if (body.kind === 'begin' || body.kind === 'end') fail('a repeated assertion');
    if (chars[i] === '?') i++; // lazy: the same answer to "is there a match"
    if (chars[i] !== undefined && '*+?{'.includes(chars[i]!)) fail('a repeated repetition');
    return { kind: 'repeat', body, low, high };
  }

  function bracket(): CharSet {
    i++;
    const negated = chars[i] === '^';
    if (negated) i++;
    const ranges: [number, number][] = [];
    for (;;) {
      if (i >= chars.length) fail('missing ]');
      if (chars[i] === ']') break;
      const low = member();
      if (chars[i] === '-' && chars[i + 1] !== undefined && chars[i + 1] !== ']') {
        i++;
        const high = member();
        if (high < low) fail('a range out of order');
        ranges.push([low, high]);
      } else ranges.push([low, low]);
    }
    i++;
    ranges.sort((a, b) => a[0] - b[0]);
    return { negated, ranges: ranges.flat() };
  }

  function member(): number {
    const ch = chars[i]!;
    if (ch !== '\\') { i++; return code(ch); }
    const next = chars[i + 1];
    i += 2;
    if (next !== undefined && CONTROL[next] !== undefined) return CONTROL[next]!;
    if (next !== undefined && (SYNTAX.includes(next) || next === '-')) return code(next);
    return fail(`the escape \\${next ?? ''} inside [ ]`);
  }

  const tree = alternation();
  if (i < chars.length) fail('an unmatched )');
  return tree;
}

// ---- The automaton -----------------------------------------------------------------------------

const enum Op { Char, Split, Jump, Begin, End, Match }

/** One instruction: Char, Begin and End continue at the next one, Split at both x and y, Jump at x. */
interface Inst { op: Op; x: number; y: number; set: CharSet | undefined }

// Far above what the checker lets through (500 characters and classes written out); a bound
// for patterns that did not come through it.
const MAX_INSTRUCTIONS = 100_000;

function compile(tree: Node): Inst[] {
  const program: Inst[] = [];
  const emit = (op: Op, set?: CharSet): number => {
    if (program.length >= MAX_INSTRUCTIONS) throw new RegexRefusedError('regular expression too large to run');
    program.push({ op, x: -1, y: -1, set });
    return program.length - 1;
  };
  function walk(node: Node): void {
    switch (node.kind) {
      case 'chars': emit(Op.Char, node.set); return;
      case 'begin': emit(Op.Begin); return;
      case 'end': emit(Op.End); return;
      case 'seq': node.items.forEach(walk); return;
      case 'alt': {
        const exits: number[] = [];
        node.options.forEach((option, k) => {
          if (k === node.options.length - 1) return walk(option);
          const split = emit(Op.Split);
          program[split]!.x = split + 1;
          walk(option);
          exits.push(emit(Op.Jump));
          program[split]!.y = program.length;
        });
        for (const jump of exits) program[jump]!.x = program.length;
        return;
      }
      case 'repeat': {
        for (let k = 0; k < node.low; k++) walk(node.body);
        if (node.high === undefined) {
          const split = emit(Op.Split);
          program[split]!.x = split + 1;
          walk(node.body);
          program[emit(Op.Jump)]!.x = split;
          program[split]!.y = program.length;
          return;
        }
        const splits: number[] = [];
        for (let k = node.low; k < node.high; k++) {
          const split = emit(Op.Split);
          program[split]!.x = split + 1;
          splits.push(split);
          walk(node.body);
        }
        for (const split of splits) program[split]!.y = program.length;
      }
    }
  }
  walk(tree);
  emit(Op.Match);
  return program;
}

function inSet(set: CharSet, c: number): boolean {
  const ranges = set.ranges;
  for (let k = 0; k < ranges.length; k += 2) {
    if (c < ranges[k]!) break;
    if (c <= ranges[k + 1]!) return !set.negated;
  }
  return set.negated;
}

/** A set of instructions the automaton is in at once: one state of the lazily built DFA. */
interface State {
  /** Char, Match and pending End instructions, ascending. */
  readonly pcs: readonly number[];
  readonly match: boolean;
  /** The state after each code point seen so far: ASCII by index, the rest by code point. */
  readonly ascii: (State | undefined)[];
  readonly next: Map<number, State>;
  /** Whether the value may end here (an End reached leads to Match); computed when first asked. */
  atEnd?: boolean;
}

// What one pattern's DFA may keep (instruction numbers and transitions); past it, the states are
// dropped and built again as needed, so memory is bounded and time stays linear.
const MAX_KEPT = 50_000;

function createMatcher(source: string) {
  const program = compile(parse(source));
  // seen[pc] === generation: pc was visited in this step. Wraps around well before Int32's end.
  const seen = new Int32Array(program.length);
  let generation = 0;
  const nextGeneration = (): void => {
    if (++generation === 2 ** 30) {
      seen.fill(0);
      generation = 1;
    }
  };
  const stack: number[] = [];
  // The program again as typed arrays, for runAlone.
  const size = program.length;
  const ops = Uint8Array.from(program, (inst) => inst.op);
  const xs = Int32Array.from(program, (inst) => inst.x);
  const ys = Int32Array.from(program, (inst) => inst.y);
  // ASCII membership of each Char instruction as four 32-bit words; other code points read the set.
  const asciiBits = new Int32Array(size * 4);
  program.forEach((inst, pc) => {
    if (inst.op !== Op.Char) return;
    for (let c = 0; c < 128; c++) if (inSet(inst.set!, c)) asciiBits[pc * 4 + (c >> 5)]! |= 1 << (c & 31);
  });
  const accepts = (pc: number, c: number): boolean => (c < 128 ? (asciiBits[pc * 4 + (c >> 5)]! & (1 << (c & 31))) !== 0 : inSet(program[pc]!.set!, c));

  let states = new Map<string, State>();
  let kept = 0;

  /** Follows Split, Jump, Begin and End from `seeds`, at the start and/or end of the value or not. */
  function closure(seeds: readonly number[], atStart: boolean, atEnd: boolean): { pcs: number[]; match: boolean } {
    nextGeneration();
    const pcs: number[] = [];
    let match = false;
    for (const seed of seeds) stack.push(seed);
    let visited = 0;
    while (stack.length > 0) {
      const pc = stack.pop()!;
      if (seen[pc] === generation) continue;
      seen[pc] = generation;
      visited++;
      const inst = program[pc]!;
      switch (inst.op) {
        case Op.Char: pcs.push(pc); break;
        case Op.Match: pcs.push(pc); match = true; break;
        case Op.Jump: stack.push(inst.x); break;
        case Op.Split: stack.push(inst.y, inst.x); break;
        case Op.Begin: if (atStart) stack.push(pc + 1); break;
        case Op.End: if (atEnd) stack.push(pc + 1); else pcs.push(pc); break;
      }
    }
    spend(visited);
    return { pcs, match };
  }

  /** Where the Char instructions among `pcs` go on `c`, and a new match may start (a search). */
  function seedsAfter(pcs: readonly number[], c: number): number[] {
    const seeds: number[] = [];
    for (const pc of pcs) {
      const inst = program[pc]!;
      if (inst.op === Op.Char && inSet(inst.set!, c)) seeds.push(pc + 1);
    }
    seeds.push(0);
    return seeds;
  }

  function endsAfter(pcs: readonly number[]): boolean {
    return closure(pcs.filter((pc) => program[pc]!.op === Op.End), false, true).match;
  }

  function stateOf(found: { pcs: number[]; match: boolean }): State {
    const pcs = found.pcs.sort((a, b) => a - b);
    const key = pcs.join(',');
    let state = states.get(key);
    if (!state) {
      if (kept > MAX_KEPT) forget();
      state = { pcs, match: found.match, ascii: [], next: new Map() };
      states.set(key, state);
      kept += pcs.length + 1;
      built++;
    }
    return state;
  }

  function forget(): void {
    for (const state of states.values()) {
      state.ascii.length = 0;
      state.next.clear();
    }
    states = new Map();
    kept = 0;
  }

  /** The state after reading `c` in `from`. */
  function step(from: State, c: number): State {
    let to = c < 128 ? from.ascii[c] : from.next.get(c);
    if (to) return to;
    to = stateOf(closure(seedsAfter(from.pcs, c), false, false));
    if (c < 128) from.ascii[c] = to;
    else from.next.set(c, to);
    kept += 1;
    return to;
  }

  let initial: State | undefined;
  let built = 0;

  return function test(value: string): boolean {
    if (value.length === 0) return closure([0], true, true).match;
    let state = (initial ??= stateOf(closure([0], true, false)));
    const builtBefore = built;
    let k = 0;
    while (k < value.length) {
      if (state.match) return true;
      // Nothing under way, and no match can start past the first character (`^…`).
      if (state.pcs.length === 0) return false;
      const c = value.codePointAt(k)!;
      k += c > 0xffff ? 2 : 1;
      state = step(state, c);
      // Nearly every character makes a new state (`a[ab]{0,100}` over random text): building and
      // keeping them costs more than it saves, so the rest of the value runs on the automaton alone.
      if (built - builtBefore > THRASHING && built - builtBefore > k / 2) return runAlone(state.pcs, state.match, value, k);
    }
    return state.match || (state.atEnd ??= endsAfter(state.pcs));
  };

  /** From the instructions `pcs` at position `k` (past the first character) to the end of the value. */
  function runAlone(pcs: readonly number[], match: boolean, value: string, k: number): boolean {
    let current = Int32Array.from(pcs);
    let currentLength = pcs.length;
    let following = new Int32Array(size);
    const pending = new Int32Array(3 * size + 2);
    while (k < value.length) {
      if (match) return true;
      const c = value.codePointAt(k)!;
      k += c > 0xffff ? 2 : 1;
      nextGeneration();
      let top = 0;
      for (let n = 0; n < currentLength; n++) {
        const pc = current[n]!;
        if (ops[pc] === Op.Char && accepts(pc, c)) pending[top++] = pc + 1;
      }
      pending[top++] = 0;
      let followingLength = 0;
      let visited = currentLength;
      match = false;
      while (top > 0) {
        const pc = pending[--top]!;
        if (seen[pc] === generation) continue;
        seen[pc] = generation;
        visited++;
        switch (ops[pc]) {
          case Op.Char: case Op.End: following[followingLength++] = pc; break;
          case Op.Match: match = true; break;
          case Op.Jump: pending[top++] = xs[pc]!; break;
          case Op.Split: pending[top++] = ys[pc]!; pending[top++] = xs[pc]!; break;
          default: break; // Begin: never true past the first character
        }
      }
      spend(visited);
      [current, following] = [following, current];
      currentLength = followingLength;
    }
    return match || endsAfter([...current.subarray(0, currentLength)]);
  }
}

// The work the automaton may do outside its DFA's cache (instructions visited) in one synchronous
// run of regexTest calls: one SQLite statement, which better-sqlite3 runs to its end before the
// event loop turns again. Patterns and values that keep building new states (counted classes over
// long, varied text) cost up to the pattern's written-out size per character, linear but not
// cheap; past about half a second of such work the statement is refused (RegexRefusedError, a
// 400) rather than hold every tenant up. What the DFA serves from its cache spends nothing here,
// however many rows a search reads. regexContains (one event at a time) has no budget.
const MAX_WORK = 25_000_000;
let work = 0;
let budgeted = false;

function spend(visited: number): void {
  if (!budgeted) return;
  if (work === 0) setImmediate(() => { work = 0; }).unref();
  work += visited;
  if (work > MAX_WORK) {
    throw new RegexRefusedError('the regular expression takes too long over these events; simplify it (smaller counted repetitions) or narrow the search');
  }
}

// New states in one value past which it runs without building more (see test()).
const THRASHING = 256;

const matchers = new Map<string, (value: string) => boolean>();

function matcherOf(source: string): (value: string) => boolean {
  let matcher = matchers.get(source);
  if (!matcher) {
    matcher = createMatcher(source);
    if (matchers.size >= 64) matchers.delete(matchers.keys().next().value!);
    matchers.set(source, matcher);
  }
  return matcher;
}

/**
 * Whether `value` contains a match of `source` (NULL-free: callers handle missing values), as
 * `new RegExp(source, 'su').test(value)` would say, in time linear in the value: SQLite's `regexp`
 * function. Throws RegexRefusedError for a pattern outside the canonical syntax, and once the
 * statement's calls together went past their work budget (see MAX_WORK).
 */
export function regexTest(source: string, value: string): boolean {
  const matcher = matcherOf(source);
  budgeted = true;
  try {
    return matcher(value);
  } finally {
    budgeted = false;
  }
}

/** regexTest without the statement's budget, for the in-memory evaluator (one event at a time). */
export function regexContains(source: string, value: string): boolean {
  return matcherOf(source)(value);
}

/** One piece of a wildcard pattern: literal text, `*` (any run of characters) or `?` (one character). */
export type GlobPart = { readonly text: string } | { readonly wildcard: '*' | '?' };

/** Whether `value` is the glob, character (code point) by character; linear backtracking on the last `*`. */
export function globTest(parts: readonly GlobPart[], value: string): boolean {
  const pattern: (string | '*?' | '??')[] = [];
  for (const part of parts) {
    if ('text' in part) pattern.push(...part.text);
    else pattern.push(part.wildcard === '*' ? '*?' : '??');
  }
  const text = [...value];
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const want = pattern[p];
    if (want === '??' || (want !== undefined && want !== '*?' && want === text[t])) { p++; t++; }
    else if (want === '*?') { star = p++; mark = t; }
    else if (star >= 0) { p = star + 1; t = ++mark; }
    else return false;
  }
  while (pattern[p] === '*?') p++;
  return p === pattern.length;
}
