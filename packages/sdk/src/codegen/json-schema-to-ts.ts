// A TypeScript type for a JSON Schema, as far as TypeScript can say it: types, enum and const,
// objects (properties, required, additionalProperties), arrays, anyOf/oneOf (union) and allOf
// (intersection). What it cannot say (formats, ranges, patterns, $ref) becomes the plain type or
// `unknown`: the server still checks the whole schema at ingest.

type Schema = boolean | Record<string, unknown>;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const MAX_DEPTH = 12;

/** A property name as TypeScript writes it: bare when an identifier, quoted otherwise. */
export const propertyName = (name: string): string => (IDENTIFIER.test(name) ? name : JSON.stringify(name));

/** A JSDoc comment for a description, or nothing. */
export function docComment(text: unknown, indent: string): string {
  if (typeof text !== 'string' || text.trim() === '') return '';
  const safe = text.replace(/\*\//g, '*\\/').trim();
  const lines = safe.split('\n');
  return lines.length === 1 ? `${indent}/** ${safe} */\n` : `${indent}/**\n${lines.map((line) => `${indent} * ${line}`).join('\n')}\n${indent} */\n`;
}

/** The TypeScript type for `schema`, written over several lines from `indent`. */
export function typeOf(schema: unknown, indent = '', depth = 0): string {
  if (schema === true || schema === undefined) return 'unknown';
  if (schema === false) return 'never';
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema) || depth > MAX_DEPTH) return 'unknown';
  const s = schema as Record<string, unknown>;
  if ('const' in s) return literal(s.const);
  if (Array.isArray(s.enum)) return s.enum.length === 0 ? 'never' : s.enum.map(literal).join(' | ');
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(s[key]) && (s[key] as unknown[]).length > 0) return (s[key] as Schema[]).map((part) => wrap(typeOf(part, indent, depth + 1))).join(' | ');
  }
  if (Array.isArray(s.allOf) && s.allOf.length > 0) return (s.allOf as Schema[]).map((part) => wrap(typeOf(part, indent, depth + 1))).join(' & ');
  const types = Array.isArray(s.type) ? (s.type as unknown[]) : s.type === undefined ? inferredTypes(s) : [s.type];
  if (types.length === 0) return 'unknown';
  if (types.length === 1) return single(types[0], s, indent, depth);
  return types.map((type) => wrap(single(type, s, indent, depth))).join(' | ');
}

function inferredTypes(s: Record<string, unknown>): unknown[] {
  if (s.properties !== undefined || s.required !== undefined || s.additionalProperties !== undefined) return ['object'];
  if (s.items !== undefined) return ['array'];
  return [];
}

function single(type: unknown, s: Record<string, unknown>, indent: string, depth: number): string {
  switch (type) {
    case 'string': return 'string';
    case 'number':
    case 'integer': return 'number';
    case 'boolean': return 'boolean';
    case 'null': return 'null';
    case 'array': {
      if (Array.isArray(s.prefixItems)) return `[${(s.prefixItems as Schema[]).map((item) => typeOf(item, indent, depth + 1)).join(', ')}, ...unknown[]]`;
      return `${wrap(typeOf(s.items, indent, depth + 1))}[]`;
    }
    case 'object': return objectType(s, indent, depth);
    default: return 'unknown';
  }
}

function objectType(s: Record<string, unknown>, indent: string, depth: number): string {
  const properties = typeof s.properties === 'object' && s.properties !== null && !Array.isArray(s.properties) ? (s.properties as Record<string, unknown>) : {};
  const required = new Set(Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : []);
  const inner = `${indent}  `;
  const members = Object.entries(properties).map(([name, property]) => {
    const description = typeof property === 'object' && property !== null ? (property as Record<string, unknown>).description : undefined;
    return `${docComment(description, inner)}${inner}${propertyName(name)}${required.has(name) ? '' : '?'}: ${typeOf(property, inner, depth + 1)};`;
  });
  for (const name of required) if (!(name in properties)) members.push(`${inner}${propertyName(name)}: unknown;`);
  if (s.additionalProperties !== false) {
    const extra = s.additionalProperties === undefined || s.additionalProperties === true ? 'unknown' : typeOf(s.additionalProperties, inner, depth + 1);
    // An index signature must admit every declared member's type too.
    members.push(`${inner}[key: string]: ${members.length > 0 && extra !== 'unknown' ? 'unknown' : extra};`);
  }
  return members.length === 0 ? 'Record<string, never>' : `{\n${members.join('\n')}\n${indent}}`;
}

function literal(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  return 'unknown';
}

const wrap = (type: string) => (/^[\w"'$.[\]<>, -]+$/.test(type) && !type.includes(' | ') && !type.includes(' & ') ? type : `(${type})`);

/** True when a value of this schema must be given (an object schema with required members). */
export function requiresValue(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && Array.isArray((schema as Record<string, unknown>).required) && ((schema as Record<string, unknown>).required as unknown[]).length > 0;
}
