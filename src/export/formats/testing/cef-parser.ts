// A strict CEF reader for tests, written from the spec text (README in the vectors folder), not
// from our encoder: it rejects anything the spec does not allow instead of guessing.
//   header: `\\` and `\|` are the only escapes; an unescaped `|` ends a field; 7 fields, then the extension.
//   extension: `\\`, `\=`, `\n`, `\r` are the only escapes; an unescaped `=` ends a key, which is the
//   run of alphanumerics before it, preceded by the start or by the single space that ends the
//   previous value.

export interface ParsedCef {
  version: string;
  vendor: string;
  product: string;
  productVersion: string;
  eventClassId: string;
  name: string;
  severity: string;
  extension: [string, string][];
}

function parseHeader(line: string): { fields: string[]; rest: string } {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\') {
      const next = line[i + 1];
      if (next !== '\\' && next !== '|') throw new Error(`bad header escape at ${i}`);
      current += next;
      i++;
    } else if (ch === '|') {
      fields.push(current);
      current = '';
      if (fields.length === 7) return { fields, rest: line.slice(i + 1) };
    } else if (ch === '\r' || ch === '\n') {
      throw new Error('line break in CEF header');
    } else {
      current += ch;
    }
  }
  throw new Error(`CEF header has ${fields.length} of 7 fields`);
}

const UNESCAPE: Record<string, string> = { '\\': '\\', '=': '=', n: '\n', r: '\r' };

function unescapeValue(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = raw[i + 1];
    const replacement = next === undefined ? undefined : UNESCAPE[next];
    if (replacement === undefined) throw new Error(`bad extension escape \\${next ?? '<end>'}`);
    out += replacement;
    i++;
  }
  return out;
}

/** Positions of `=` not preceded by an escaping backslash. */
function unescapedEquals(ext: string): number[] {
  const positions: number[] = [];
  for (let i = 0; i < ext.length; i++) {
    if (ext[i] === '\\') i++;
    else if (ext[i] === '=') positions.push(i);
  }
  return positions;
}

function parseExtension(ext: string): [string, string][] {
  if (ext === '') return [];
  if (/[\r\n]/.test(ext)) throw new Error('raw line break in CEF extension');
  const keys = unescapedEquals(ext).map((eq) => {
    let start = eq;
    while (start > 0 && /[A-Za-z0-9]/.test(ext[start - 1]!)) start--;
    if (start === eq) throw new Error(`empty key before = at ${eq}`);
    if (start !== 0 && ext[start - 1] !== ' ') throw new Error(`key at ${start} not preceded by a space`);
    return { start, eq };
  });
  if (keys[0]?.start !== 0) throw new Error('extension does not start with a key');
  return keys.map(({ start, eq }, k) => {
    const end = k + 1 < keys.length ? keys[k + 1]!.start - 1 : ext.length;
    return [ext.slice(start, eq), unescapeValue(ext.slice(eq + 1, end))];
  });
}

export function parseCef(line: string): ParsedCef {
  const match = /^CEF:(\d+)\|/.exec(line);
  if (!match) throw new Error('not a CEF line');
  const { fields, rest } = parseHeader(line.slice('CEF:'.length));
  const [version, vendor, product, productVersion, eventClassId, name, severity] = fields as [
    string, string, string, string, string, string, string,
  ];
  return { version, vendor, product, productVersion, eventClassId, name, severity, extension: parseExtension(rest) };
}
