// How JavaScript reads a search's regular expression: on SQLite (the `regexp` function each
// connection registers, so `x REGEXP ?` works) and in the in-memory evaluator. The patterns are
// the canonical subset query/search/regex.ts lets through, read with `s` (. matches a newline, as
// on PostgreSQL) and `u` (code points, as PostgreSQL's characters), case-sensitively.

const FLAGS = 'su';
const cache = new Map<string, RegExp>();

/** Whether `value` contains a match of `source` (NULL-free: callers handle missing values). */
export function regexTest(source: string, value: string): boolean {
  let regex = cache.get(source);
  if (!regex) {
    regex = new RegExp(source, FLAGS);
    if (cache.size >= 500) cache.delete(cache.keys().next().value!);
    cache.set(source, regex);
  }
  return regex.test(value);
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
