// A strict LEEF 1.0/2.0 reader for tests, written from IBM's description, not from our encoder.
// No escapes exist: header fields are split at `|`; LEEF 2.0 names its delimiter (one character,
// or `x`/`0x` + 1–4 hex digits; empty means TAB); attributes are split at the delimiter and each
// at its first `=`; keys must be [A-Za-z0-9_]+. Line breaks anywhere are rejected.

export interface ParsedLeef {
  version: '1.0' | '2.0';
  vendor: string;
  product: string;
  productVersion: string;
  eventId: string;
  delimiter: string;
  attributes: [string, string][];
}

function delimiterOf(spec: string): string {
  if (spec === '') return '\t';
  const hex = /^(?:0x|x)([0-9A-Fa-f]{1,4})$/.exec(spec);
  if (hex) return String.fromCharCode(parseInt(hex[1]!, 16));
  if (spec.length === 1) return spec;
  throw new Error(`bad LEEF delimiter ${JSON.stringify(spec)}`);
}

function splitAttributes(text: string, delimiter: string): [string, string][] {
  if (text === '') return [];
  return text.split(delimiter).map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new Error(`attribute without = : ${JSON.stringify(pair)}`);
    const key = pair.slice(0, eq);
    if (!/^[A-Za-z0-9_]+$/.test(key)) throw new Error(`bad LEEF key ${JSON.stringify(key)}`);
    return [key, pair.slice(eq + 1)];
  });
}

export function parseLeef(line: string): ParsedLeef {
  if (/[\r\n]/.test(line)) throw new Error('line break in LEEF line');
  const parts = line.split('|');
  const version = parts[0] === 'LEEF:1.0' ? '1.0' : parts[0] === 'LEEF:2.0' ? '2.0' : undefined;
  if (version === undefined) throw new Error('not a LEEF 1.0/2.0 line');
  const headerCount = version === '1.0' ? 5 : 6;
  if (parts.length < headerCount + 1) throw new Error('LEEF header is incomplete');
  const [, vendor, product, productVersion, eventId] = parts as [string, string, string, string, string];
  for (const field of [vendor, product, productVersion, eventId]) {
    if (field.includes('\t')) throw new Error('TAB in LEEF header');
  }
  const delimiter = version === '1.0' ? '\t' : delimiterOf(parts[5]!);
  const attributes = splitAttributes(parts.slice(headerCount).join('|'), delimiter);
  return { version, vendor, product, productVersion, eventId, delimiter, attributes };
}
