// A tenant's JSON Schemas (draft-07) compiled with Ajv, the validator Fastify itself uses. A
// schema comes from a tenant and runs on the ingest path every tenant shares, so it must be safe
// to run on anything: regular expressions are refused (`pattern`, `patternProperties`: one bad
// expression backtracks for minutes on a long string), and Ajv's own security meta-schema must
// pass (formats and unique non-scalar items need a bound). Each event type gets an Ajv instance of
// its own, so one tenant's `$id` never meets another's.

import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { JsonObject } from '../domain/event.js';
import type { ErrorDetail } from '../domain/errors.js';
import { formatJsonPath } from '../domain/i-json.js';

// ajv-formats is CommonJS: its function is the module itself or its `default`, by loader.
type AddFormats = (ajv: Ajv, options: { mode: 'fast' | 'full' }) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

/** The parts of an event a type may constrain. */
export const SCHEMA_PARTS = ['details', 'target', 'actor'] as const;
export type SchemaPart = (typeof SCHEMA_PARTS)[number];

/** A schema's canonical JSON may be this long: room for a few hundred fields. */
export const MAX_SCHEMA_BYTES = 32 * 1024;

const REFUSED_KEYWORDS = ['pattern', 'patternProperties'];

function newAjv(): Ajv {
  // Unknown keywords are mistakes to report (strictSchema); a schema need not repeat `type` for
  // every keyword that implies one, as strictTypes would insist.
  const ajv = new Ajv({ allErrors: true, strict: false, strictSchema: true, strictNumbers: true, validateFormats: true });
  addFormats(ajv, { mode: 'fast' });
  for (const keyword of REFUSED_KEYWORDS) ajv.removeKeyword(keyword);
  return ajv;
}

const secureMetaSchema = createRequire(import.meta.url)('ajv/dist/refs/json-schema-secure.json') as object;
const isSecure = newAjv().compile(secureMetaSchema);

/** Why a schema cannot be used, or undefined when it can; the check PUT runs before storing one. */
export function schemaProblem(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'must be a JSON Schema object';
  const size = Buffer.byteLength(JSON.stringify(schema));
  if (size > MAX_SCHEMA_BYTES) return `is ${size} bytes; a schema may have at most ${MAX_SCHEMA_BYTES}`;
  const refused = REFUSED_KEYWORDS.find((keyword) => usesKeyword(schema, keyword));
  if (refused) return `uses ${refused}: regular expressions are not accepted (they would run on every tenant's ingest path); use enum, const, format, minLength or maxLength`;
  if ((schema as { $async?: unknown }).$async !== undefined) return 'must not be $async';
  try {
    // A schema that refers to itself without reading any data (`{"$ref": "#"}`) compiles, then
    // recurses without end on any value: a run on an empty object finds it now, not at ingest.
    newAjv().compile(schema)({});
  } catch (error) {
    return `is not a usable JSON Schema (draft-07): ${(error as Error).message}`;
  }
  if (!isSecure(schema)) {
    const [first] = isSecure.errors ?? [];
    return `could make validation slow: ${first ? `${first.instancePath || 'the schema'} ${first.message}` : 'see Ajv\'s security meta-schema'} (give formats a maxLength, unique object items a maxItems)`;
  }
  return undefined;
}

/** True when `keyword` appears in a keyword position (not as a property name under `properties`). */
function usesKeyword(schema: unknown, keyword: string): boolean {
  if (Array.isArray(schema)) return schema.some((item) => usesKeyword(item, keyword));
  if (typeof schema !== 'object' || schema === null) return false;
  for (const [name, value] of Object.entries(schema)) {
    if (name === keyword) return true;
    if (['properties', 'definitions', '$defs', 'dependencies', 'dependentSchemas'].includes(name) && typeof value === 'object' && value !== null) {
      if (Object.values(value).some((sub) => usesKeyword(sub, keyword))) return true;
    } else if (['enum', 'const', 'examples', 'default', 'required'].includes(name)) {
      continue; // data, not schemas
    } else if (usesKeyword(value, keyword)) {
      return true;
    }
  }
  return false;
}

/** The compiled checks of one event type version. */
export type EventTypeValidators = Partial<Record<SchemaPart, ValidateFunction>>;

/** Compiles the stored (already checked) schemas of one event type version. */
export function compileEventType(schemas: Partial<Record<`${SchemaPart}_schema`, JsonObject>>): EventTypeValidators {
  const ajv = newAjv();
  const validators: EventTypeValidators = {};
  for (const part of SCHEMA_PARTS) {
    const schema = schemas[`${part}_schema`];
    if (schema !== undefined) validators[part] = ajv.compile(schema);
  }
  return validators;
}

const unescapePointer = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/** Ajv's errors as Stele's error details: one per bad field, named from the event's root (`details.amount`). */
export function detailsOf(errors: readonly ErrorObject[] | null | undefined, part: SchemaPart, index: number, label: string): ErrorDetail[] {
  return (errors ?? []).map((error) => {
    const path: (string | number)[] = [part, ...error.instancePath.split('/').slice(1).map(unescapePointer)];
    let message = error.message ?? 'is not valid';
    if (error.keyword === 'required') {
      path.push(String((error.params as { missingProperty: string }).missingProperty));
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      path.push(String((error.params as { additionalProperty: string }).additionalProperty));
      message = 'is not a field of this event type';
    } else if (error.keyword === 'enum') {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      message = allowed.length <= 20 ? `must be one of ${JSON.stringify(allowed).slice(1, -1)}` : `must be one of the ${allowed.length} values the event type lists`;
    }
    return { index, field: formatJsonPath(path), message: `${message} (${label})` };
  });
}
