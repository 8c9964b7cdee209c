// RFC 8785 (JSON Canonicalization Scheme) of any JavaScript value, member by member. canonical.ts
// takes a faster path for ordinary events and falls back to this where JSON.stringify and JCS
// could differ. Written here rather than taken from a library so the package, and the SDK that
// depends on it, need nothing beyond Node; jcs.test.ts checks it against the `canonicalize`
// library on arbitrary values, refusals included.

/**
 * The canonical JSON text of `value`: object members sorted by UTF-16 code units, numbers as
 * ECMAScript writes them, strings as JSON.stringify escapes them, no whitespace. As JSON.stringify
 * does, `toJSON` is called, undefined and symbol members are left out and become null in arrays.
 * Throws for NaN, ±Infinity, lone surrogates and circular references, which have no JSON form; a
 * top-level undefined, function or symbol gives undefined.
 */
export function jcs(value: unknown): string | undefined {
  return serialize(value, new Set());
}

function serialize(value: unknown, seen: Set<object>): string | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`${value} has no JSON form`);
  if (typeof value === 'string' && hasLoneSurrogate(value)) throw new TypeError('a lone surrogate has no JSON form');
  if (value === null || typeof value !== 'object') return JSON.stringify(value) as string | undefined;
  if (seen.has(value)) throw new TypeError('circular reference');
  seen.add(value);
  try {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return serialize((value as { toJSON(): unknown }).toJSON(), seen);
    if (Array.isArray(value)) {
      return `[${value.map((item) => (item === undefined || typeof item === 'symbol' ? 'null' : serialize(item, seen))).join(',')}]`;
    }
    const members: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member === undefined || typeof member === 'symbol') continue;
      members.push(`${serialize(key, seen)}:${serialize(member, seen)}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    seen.delete(value);
  }
}

function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xdc00 && code <= 0xdfff) return true;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      i++;
    }
  }
  return false;
}
