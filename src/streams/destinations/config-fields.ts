// Reading a destination's `config` object field by field, so every bad value is a 400 that names
// `config.<field>` and says what is expected, whatever JSON a client sends. Unknown members are
// refused (a misspelt `tokne` would otherwise be silently ignored).

import { maskSecret } from '../../background/secret-box.js';
import { SteleError } from '../../domain/errors.js';
import type { JsonObject } from '../../domain/event.js';

const CONTROL = /[\u0000-\u001f\u007f]/;

export const invalidConfig = (field: string, message: string) =>
  new SteleError('invalid_request', `config.${field} ${message}`, [{ field: `config.${field}`, message }]);

interface StringRule {
  required?: boolean;
  max?: number;
  pattern?: RegExp;
  /** Said when the pattern does not match. */
  expected?: string;
}

/** Reads `config` for one destination type; call `done()` last to refuse members nobody read. */
export function readConfig(config: unknown) {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new SteleError('invalid_request', 'config must be an object', [{ field: 'config', message: 'not an object' }]);
  }
  const source = config as Record<string, unknown>;
  const read = new Set<string>();
  const value = (name: string) => {
    read.add(name);
    const v = source[name];
    return v === null ? undefined : v;
  };

  function string(name: string, rule: StringRule & { required: true }): string;
  function string(name: string, rule?: StringRule): string | undefined;
  function string(name: string, rule: StringRule = {}): string | undefined {
    const v = value(name);
    if (v === undefined || v === '') {
      if (rule.required) throw invalidConfig(name, 'is required');
      return undefined;
    }
    if (typeof v !== 'string') throw invalidConfig(name, 'must be a string');
    const max = rule.max ?? 1024;
    if (v.length > max) throw invalidConfig(name, `must be at most ${max} characters`);
    if (CONTROL.test(v) && !rule.pattern) throw invalidConfig(name, 'must not contain control characters');
    if (rule.pattern && !rule.pattern.test(v)) throw invalidConfig(name, `must be ${rule.expected ?? `like ${rule.pattern.source}`}`);
    return v;
  }

  return {
    string,
    /** An absolute http(s) URL without user:password (credentials go in their own fields, sealed). */
    url(name: string, rule: { required?: boolean } = {}): string | undefined {
      const text = string(name, { max: 2048, ...(rule.required && { required: true }) });
      if (text === undefined) return undefined;
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        throw invalidConfig(name, 'must be an absolute http:// or https:// URL');
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidConfig(name, 'must be an http:// or https:// URL');
      if (url.username || url.password) throw invalidConfig(name, 'must not carry a user name or password; use the credential fields');
      return text;
    },
    integer(name: string, min: number, max: number): number | undefined {
      const v = value(name);
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalidConfig(name, `must be an integer from ${min} to ${max}`);
      return v;
    },
    boolean(name: string): boolean | undefined {
      const v = value(name);
      if (v === undefined) return undefined;
      if (typeof v !== 'boolean') throw invalidConfig(name, 'must be true or false');
      return v;
    },
    /** A list of short strings (tags). */
    strings(name: string, rule: { max: number; pattern: RegExp; expected: string }): string[] | undefined {
      const v = value(name);
      if (v === undefined) return undefined;
      if (!Array.isArray(v) || v.length > 100) throw invalidConfig(name, 'must be a list of at most 100 strings');
      return v.map((item, i) => {
        if (typeof item !== 'string' || item.length === 0 || item.length > rule.max || !rule.pattern.test(item)) {
          throw invalidConfig(`${name}[${i}]`, `must be ${rule.expected}`);
        }
        return item;
      });
    },
    /**
     * A secret: a new value, or (on an update) absent or sent back masked to keep the previous one.
     * Returns undefined when there is neither.
     */
    secret(name: string, previous: Readonly<Record<string, string>> | undefined, rule: { max?: number } = {}): string | undefined {
      const v = value(name);
      const kept = previous?.[name];
      if (v === undefined || v === '') return kept;
      if (typeof v !== 'string') throw invalidConfig(name, 'must be a string');
      if (kept !== undefined && v === maskSecret(kept)) return kept;
      if (v.startsWith('••••')) throw invalidConfig(name, 'is masked: send the secret itself, or leave it out to keep the one stored');
      if (v.length > (rule.max ?? 4096)) throw invalidConfig(name, `must be at most ${rule.max ?? 4096} characters`);
      if (CONTROL.test(v)) throw invalidConfig(name, 'must not contain control characters');
      return v;
    },
    done(): void {
      for (const name of Object.keys(source)) {
        if (!read.has(name)) throw invalidConfig(name, `is not a setting of this destination (it takes ${[...read].join(', ')})`);
      }
    },
  };
}

/** Drops undefined members, so stored configs hold only what was set. */
export function compact(object: Record<string, string | number | boolean | string[] | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [name, v] of Object.entries(object)) if (v !== undefined) out[name] = v;
  return out;
}
