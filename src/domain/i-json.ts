// I-JSON (RFC 7493): the subset of JSON that every party reads the same way, so that what a client
// sends is exactly what Stele stores, hashes and returns. JSON.parse quietly rounds integers past
// 2^53, turns 1e400 into Infinity, lets `"\ud800"` through as a lone surrogate (which a UTF-8
// database or RFC 8785 cannot hold) and keeps only the last of two members with one name; these
// checks refuse such texts instead. NUL is refused too: PostgreSQL text cannot hold it.
// No I/O: the HTTP body parser and the event validator share it.

/** A member name or array index on the way from the top of a JSON value to a bad part of it. */
export type JsonPath = readonly (string | number)[];

export interface JsonProblem {
  path: JsonPath;
  message: string;
}

/** Thrown by parseIJson: the text is not JSON (no path), or not I-JSON (path to the bad part). */
export class IJsonError extends Error {
  constructor(message: string, readonly path?: JsonPath) {
    super(message);
    this.name = 'IJsonError';
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored as sent (a NUL or a lone surrogate), or undefined when it can. */
export function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL (\\u0000) characters';
  if (LONE_SURROGATE.test(text)) return 'must not contain a lone UTF-16 surrogate (it is not a Unicode character)';
  return undefined;
}

/** Why a number is not I-JSON (not finite, or beyond ±(2^53−1) where doubles skip integers). */
export function numberProblem(value: number): string | undefined {
  if (!Number.isFinite(value)) return 'is too large for a 64-bit floating-point number';
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    return `is beyond ±${Number.MAX_SAFE_INTEGER} (2^53−1), where numbers lose precision; send it as a string`;
  }
  return undefined;
}

/**
 * Checks a parsed JSON value: the first string, member name or number that is not I-JSON, or a
 * value nested deeper than maxDepth (the top value is level 1, its members and items level 2 ...),
 * and the number of object members seen.
 * Never recurses deeper than maxDepth + 1, so any parsed value is safe to pass.
 */
export function inspectJsonValue(value: unknown, maxDepth: number, texts: 'check' | 'known clean' = 'check'): { problem?: JsonProblem; members: number } {
  const walk: Walk = { path: [], members: 0, maxDepth, checkTexts: texts === 'check' };
  const problem = visit(walk, value, 1);
  return problem ? { problem, members: walk.members } : { members: walk.members };
}

// Every request body goes through this walk: it is written as module-level functions over one
// state object, not closures made per call.
interface Walk {
  path: (string | number)[];
  members: number;
  maxDepth: number;
  /** False when no string of the value can hold a NUL or a lone surrogate (see textsAreClean). */
  checkTexts: boolean;
}

const problemAt = (walk: Walk, message: string): JsonProblem => ({ path: [...walk.path], message });

function visit(walk: Walk, v: unknown, depth: number): JsonProblem | undefined {
  if (depth > walk.maxDepth) return problemAt(walk, `nests deeper than ${walk.maxDepth} levels`);
  if (typeof v === 'string') {
    if (!walk.checkTexts) return undefined;
    const problem = textProblem(v);
    return problem === undefined ? undefined : problemAt(walk, problem);
  }
  if (typeof v === 'number') {
    const problem = numberProblem(v);
    return problem === undefined ? undefined : problemAt(walk, problem);
  }
  if (typeof v !== 'object' || v === null) return undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      walk.path.push(i);
      const problem = visit(walk, v[i], depth + 1);
      walk.path.pop();
      if (problem) return problem;
    }
    return undefined;
  }
  for (const key of Object.keys(v)) {
    walk.members++;
    walk.path.push(key);
    const keyProblem = walk.checkTexts ? textProblem(key) : undefined;
    const problem = keyProblem === undefined
      ? visit(walk, (v as Record<string, unknown>)[key], depth + 1)
      : problemAt(walk, `has a member name that ${keyProblem}`);
    walk.path.pop();
    if (problem) return problem;
  }
  return undefined;
}

/**
 * True when no string parsed from this JSON text can hold a NUL or a lone surrogate: the text has
 * neither itself, nor a `\u` escape, the only other way JSON writes one. One scan of the whole text
 * then spares a check of every string and member name (most bodies hold no escape at all).
 */
function textsAreClean(text: string): boolean {
  return !text.includes('\\u') && !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

/** The index of the quote that closes the string opening at `open`, in valid JSON text. */
function closingQuote(text: string, open: number): number {
  let end = open;
  for (;;) {
    end = text.indexOf('"', end + 1);
    let backslash = end - 1;
    while (text.charCodeAt(backslash) === 0x5c) backslash--;
    if ((end - 1 - backslash) % 2 === 0) return end; // an even run of backslashes escapes nothing
  }
}

/**
 * The number of member names in valid JSON text: each is followed by the one colon outside
 * strings. Native indexOf scans keep this near the cost of JSON.parse itself.
 */
export function memberNamesIn(text: string): number {
  let count = 0;
  let from = 0;
  for (;;) {
    const quote = text.indexOf('"', from);
    const end = quote === -1 ? text.length : quote;
    for (let colon = text.indexOf(':', from); colon !== -1 && colon < end; colon = text.indexOf(':', colon + 1)) count++;
    if (quote === -1) return count;
    from = closingQuote(text, quote) + 1;
  }
}

type Frame = { kind: 'object'; names: Set<string>; name?: string; expectName: boolean } | { kind: 'array'; index: number };

/**
 * Where valid JSON text repeats a member name within one object (JSON.parse keeps only the last),
 * or undefined. Slower than memberNamesIn: for naming the field once a repeat is known.
 */
export function repeatedMemberIn(text: string): JsonProblem | undefined {
  const frames: Frame[] = [];
  const pathOf = (): (string | number)[] =>
    frames.slice(0, -1).map((f) => (f.kind === 'array' ? f.index : f.name ?? ''));
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = frames[frames.length - 1];
    if (c === '{') frames.push({ kind: 'object', names: new Set(), expectName: true });
    else if (c === '[') frames.push({ kind: 'array', index: 0 });
    else if (c === '}' || c === ']') frames.pop();
    else if (c === ',') {
      if (top?.kind === 'array') top.index++;
      else if (top?.kind === 'object') top.expectName = true;
    } else if (c === '"') {
      const end = closingQuote(text, i);
      if (top?.kind === 'object' && top.expectName) {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.names.has(name)) return { path: [...pathOf(), name], message: 'repeats a member name of the same object' };
        top.names.add(name);
        top.name = name;
        top.expectName = false;
      }
      i = end;
    }
  }
  return undefined;
}

/**
 * Parses JSON text that must be I-JSON: finite numbers within ±(2^53−1), no lone surrogates, no
 * NUL, no member name twice in one object, at most maxDepth levels. Member names such as
 * `__proto__` are ordinary keys (JSON.parse makes them own properties, never prototypes).
 * Throws IJsonError.
 */
export function parseIJson(text: string, maxDepth: number): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new IJsonError((error as Error).message);
  }
  const { problem, members } = inspectJsonValue(value, maxDepth, textsAreClean(text) ? 'known clean' : 'check');
  if (problem) throw new IJsonError(problem.message, problem.path);
  if (members !== memberNamesIn(text)) {
    const repeated = repeatedMemberIn(text);
    throw new IJsonError(repeated?.message ?? 'repeats a member name', repeated?.path ?? []);
  }
  return value;
}

/** A path as people write it: `details.to_role`, `[3].details.tags[0]`. */
export function formatJsonPath(path: JsonPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}
