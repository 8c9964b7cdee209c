// The ingest step for declared event types: each event of a batch whose action a tenant declared
// is checked against that type's schemas, and an undeclared action is refused when the tenant
// refuses unknown actions (the seed taxonomy's actions and Stele's own are known to every tenant).
// The ingest service calls it between validation and append; a batch with a bad event is refused
// whole, each bad field named (index and field), like any other invalid event.
//
// A tenant's types are kept in memory, compiled, and read again from the store at most every
// `ttlMs` (1 s): a change made on this node applies at once (forget()), one made on another node
// within that time.

import { isRegisteredAction } from '../domain/actions.js';
import type { ValidEvent } from '../domain/event.js';
import { SteleError, type ErrorDetail } from '../domain/errors.js';
import type { EventTypeRepository, UnknownActions } from './event-type-repository.js';
import { compileEventType, detailsOf, SCHEMA_PARTS, type EventTypeValidators } from './schema-compiler.js';

export interface EventTypeCheck {
  /** Throws SteleError invalid_event naming each event that does not match its declared type, or is an unknown action the tenant refuses. */
  check(tenantId: string, events: readonly ValidEvent[]): Promise<void>;
  /** Drops what is cached for the tenant, after a change made here. */
  forget(tenantId: string): void;
}

interface Declared {
  version: number;
  /** Compiled on first use; an Error when the stored schema no longer compiles. */
  validators?: EventTypeValidators | Error;
  schemas: Parameters<typeof compileEventType>[0];
}

interface TenantTypes {
  loadedAt: number;
  unknownActions: UnknownActions;
  types: Map<string, Declared>;
}

const MAX_CACHED_TENANTS = 10_000;

export function createEventTypeCheck(deps: { repository: EventTypeRepository; now?: () => number; ttlMs?: number }): EventTypeCheck {
  const now = deps.now ?? Date.now;
  const ttlMs = deps.ttlMs ?? 1000;
  const cache = new Map<string, TenantTypes>();
  const loading = new Map<string, Promise<TenantTypes>>();
  // Bumped by forget(): a load that started before a change must not cache what it read.
  let generation = 0;

  async function load(tenantId: string, previous: TenantTypes | undefined): Promise<TenantTypes> {
    const startedIn = generation;
    const [types, unknownActions] = await Promise.all([deps.repository.list(tenantId), deps.repository.unknownActions(tenantId)]);
    const declared = new Map<string, Declared>();
    for (const type of types) {
      if (type.deleted) continue;
      // Keep what is compiled already for a version that has not changed.
      const known = previous?.types.get(type.action);
      declared.set(type.action, known?.version === type.version ? known : {
        version: type.version,
        schemas: {
          ...(type.details_schema && { details_schema: type.details_schema }),
          ...(type.target_schema && { target_schema: type.target_schema }),
          ...(type.actor_schema && { actor_schema: type.actor_schema }),
        },
      });
    }
    const entry = { loadedAt: now(), unknownActions, types: declared };
    if (startedIn === generation) {
      if (cache.size >= MAX_CACHED_TENANTS) cache.delete(cache.keys().next().value!);
      cache.set(tenantId, entry);
    }
    return entry;
  }

  function typesOf(tenantId: string): TenantTypes | Promise<TenantTypes> {
    const cached = cache.get(tenantId);
    if (cached && now() - cached.loadedAt < ttlMs) return cached;
    const pending = loading.get(tenantId);
    if (pending) return pending;
    const started: Promise<TenantTypes> = load(tenantId, cached).finally(() => {
      if (loading.get(tenantId) === started) loading.delete(tenantId);
    });
    loading.set(tenantId, started);
    return started;
  }

  function validatorsOf(action: string, declared: Declared): EventTypeValidators | Error {
    if (declared.validators === undefined) {
      try {
        declared.validators = compileEventType(declared.schemas);
      } catch (error) {
        declared.validators = new Error(`the event type ${action} v${declared.version} cannot be compiled: ${(error as Error).message}`);
      }
    }
    return declared.validators;
  }

  return {
    async check(tenantId, events) {
      const { types, unknownActions } = await typesOf(tenantId);
      if (types.size === 0 && unknownActions === 'allow') return;
      const problems: ErrorDetail[] = [];
      events.forEach((event, index) => {
        const declared = types.get(event.action);
        if (!declared) {
          if (unknownActions === 'reject' && !isRegisteredAction(event.action)) {
            problems.push({ index, field: 'action', message: `${event.action} is not a declared event type, and this tenant refuses unknown actions (declare it with PUT /v1/event-types/{action})` });
          }
          return;
        }
        const validators = validatorsOf(event.action, declared);
        if (validators instanceof Error) {
          problems.push({ index, field: 'action', message: validators.message });
          return;
        }
        const label = `event type ${event.action} v${declared.version}`;
        for (const part of SCHEMA_PARTS) {
          const validate = validators[part];
          if (!validate) continue;
          let valid: boolean;
          try {
            // An absent part is an empty object to the canonical form, and so to its schema.
            valid = validate(event[part] ?? {}) as boolean;
          } catch (error) {
            // A schema PUT refuses (one that recurses without end, say) stored before that check.
            problems.push({ index, field: part, message: `cannot be checked against ${label}: ${(error as Error).message}` });
            continue;
          }
          if (!valid) problems.push(...detailsOf(validate.errors, part, index, label));
        }
      });
      if (problems.length > 0) {
        const bad = new Set(problems.map((p) => p.index)).size;
        throw new SteleError('invalid_event', `${bad} of ${events.length} events do not match their event type; nothing was stored.`, problems);
      }
    },
    forget(tenantId) {
      generation++;
      cache.delete(tenantId);
      loading.delete(tenantId);
    },
  };
}
