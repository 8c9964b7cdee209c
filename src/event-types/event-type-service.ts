// Event types a tenant declares (WorkOS-style per-action schemas): PUT an action's JSON Schemas
// for details, target and actor, each change a new version (the old ones stay readable), and say
// whether actions nobody declared are accepted. Every change is an event in the tenant's log
// (event_type.created / updated / deleted / policy_changed), and the ingest check forgets what it
// cached so the change applies to the next batch.

import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { Requester } from '../audit-trail/requester.js';
import { categoryOf } from '../domain/actions.js';
import type { JsonObject } from '../domain/event.js';
import { SteleError, type ErrorDetail } from '../domain/errors.js';
import { canonicalJson } from '@stele/integrity';
import { actionProblem } from '../ingest/validate-events.js';
import type { Store } from '../store/port.js';
import type { EventTypeCheck } from './event-type-check.js';
import {
  createEventTypeRepository, MAX_EVENT_TYPES, type EventType, type EventTypeSchemas, type UnknownActions,
} from './event-type-repository.js';
import { schemaProblem, SCHEMA_PARTS } from './schema-compiler.js';

/** An event type as the API shows it. */
export interface EventTypeView extends EventTypeSchemas {
  action: string;
  version: number;
  category: string;
  created_at: string;
  updated_at: string;
}

const MAX_DESCRIPTION = 1000;
const SCHEMA_FIELDS = SCHEMA_PARTS.map((part) => `${part}_schema` as const);
// The server's own fields: a GET answer can be edited and PUT back.
const SERVER_FIELDS = new Set(['action', 'version', 'category', 'created_at', 'updated_at']);

const view = (type: EventType): EventTypeView => {
  const { deleted: _deleted, ...rest } = type;
  return { ...rest, category: categoryOf(type.action) };
};

export function checkAction(action: string): void {
  const problem = actionProblem(action);
  if (problem) throw new SteleError('invalid_request', `The action ${problem}.`, [{ field: 'action', message: problem }]);
}

function checkBody(input: unknown, action: string): EventTypeSchemas {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SteleError('invalid_request', 'Send a JSON object {description, details_schema, target_schema, actor_schema}.');
  }
  const problems: ErrorDetail[] = [];
  const body = input as Record<string, unknown>;
  for (const field of Object.keys(body)) {
    if (!SERVER_FIELDS.has(field) && field !== 'description' && !(SCHEMA_FIELDS as readonly string[]).includes(field)) {
      problems.push({ field, message: 'unknown field; an event type has description, details_schema, target_schema and actor_schema' });
    }
  }
  if (body.action !== undefined && body.action !== action) problems.push({ field: 'action', message: `must be ${action} (the action in the URL) or left out` });
  const out: EventTypeSchemas = {};
  if (body.description !== undefined && body.description !== null) {
    if (typeof body.description !== 'string' || body.description.length > MAX_DESCRIPTION) problems.push({ field: 'description', message: `must be a string of at most ${MAX_DESCRIPTION} characters` });
    else if (body.description !== '') out.description = body.description;
  }
  for (const field of SCHEMA_FIELDS) {
    const schema = body[field];
    if (schema === undefined || schema === null) continue;
    const problem = schemaProblem(schema);
    if (problem) problems.push({ field, message: problem });
    else out[field] = schema as JsonObject;
  }
  if (problems.length > 0) throw new SteleError('invalid_request', `The event type is not valid: ${problems[0]!.field} ${problems[0]!.message}.`, problems);
  return out;
}

/** The declared parts in canonical JSON, to tell a real change from the same declaration sent again. */
const fingerprint = (schemas: EventTypeSchemas) =>
  canonicalJson({ description: schemas.description ?? null, ...Object.fromEntries(SCHEMA_FIELDS.map((field) => [field, schemas[field] ?? null])) });

const declaredParts = (schemas: EventTypeSchemas) => SCHEMA_FIELDS.filter((field) => schemas[field] !== undefined);

export function createEventTypeService(deps: { store: Store; trail: AuditTrail; check: EventTypeCheck; now?: () => number }) {
  const clock = deps.now ?? Date.now;
  const repository = createEventTypeRepository(deps.store);

  async function current(tenantId: string, action: string): Promise<EventType | undefined> {
    const found = await repository.find(tenantId, action);
    return found && !found.deleted ? found : undefined;
  }

  async function get(tenantId: string, action: string, version?: number): Promise<EventTypeView> {
    checkAction(action);
    const found = version === undefined ? await current(tenantId, action) : await repository.findVersion(tenantId, action, version);
    if (!found || found.deleted) {
      throw new SteleError('not_found', version === undefined ? `No event type ${action} in this tenant.` : `No version ${version} of the event type ${action} in this tenant.`);
    }
    return view(found);
  }

  /** Declares or changes the type; `created` when it was not declared, `changed` when a new version was written. */
  async function put(tenantId: string, action: string, input: unknown, by: Requester): Promise<{ type: EventTypeView; created: boolean; changed: boolean }> {
    checkAction(action);
    const schemas = checkBody(input, action);
    const before = await repository.find(tenantId, action);
    const live = before && !before.deleted ? before : undefined;
    if (live && fingerprint(live) === fingerprint(schemas)) return { type: view(live), created: false, changed: false };
    if (!live && (await repository.list(tenantId)).filter((type) => !type.deleted).length >= MAX_EVENT_TYPES) {
      throw new SteleError('conflict', `A tenant may declare at most ${MAX_EVENT_TYPES} event types; delete some first.`);
    }
    const version = (before?.version ?? 0) + 1;
    if (!(await repository.write(tenantId, { action, version, ...schemas }, new Date(clock()).toISOString()))) {
      throw new SteleError('conflict', `The event type ${action} was changed at the same time; read it again and retry.`);
    }
    deps.check.forget(tenantId);
    const target = { type: 'event_type', id: action, version: String(version) };
    const description: JsonObject = schemas.description === undefined ? {} : { description: schemas.description };
    await deps.trail.record(tenantId, live
      ? {
        action: 'event_type.updated', ...by, target,
        details: {
          version, from_version: live.version,
          changed: ['description', ...SCHEMA_FIELDS].filter((field) => canonicalJson(live[field as keyof EventTypeSchemas] ?? null) !== canonicalJson(schemas[field as keyof EventTypeSchemas] ?? null)),
          ...description,
        },
      }
      : { action: 'event_type.created', ...by, target, details: { version, schemas: declaredParts(schemas), ...description } });
    return { type: await get(tenantId, action), created: live === undefined, changed: true };
  }

  async function remove(tenantId: string, action: string, by: Requester): Promise<void> {
    checkAction(action);
    const live = await current(tenantId, action);
    if (!live) throw new SteleError('not_found', `No event type ${action} in this tenant.`);
    const version = live.version + 1;
    if (!(await repository.write(tenantId, { action, version, deleted: true }, new Date(clock()).toISOString()))) {
      throw new SteleError('conflict', `The event type ${action} was changed at the same time; read it again and retry.`);
    }
    deps.check.forget(tenantId);
    await deps.trail.record(tenantId, { action: 'event_type.deleted', ...by, target: { type: 'event_type', id: action, version: String(live.version) }, details: { last_version: live.version } });
  }

  async function list(tenantId: string): Promise<{ unknown_actions: UnknownActions; event_types: EventTypeView[] }> {
    const [types, unknownActions] = await Promise.all([repository.list(tenantId), repository.unknownActions(tenantId)]);
    return {
      unknown_actions: unknownActions,
      event_types: types.filter((type) => !type.deleted).map(view).sort((a, b) => (a.action < b.action ? -1 : a.action > b.action ? 1 : 0)),
    };
  }

  async function setPolicy(tenantId: string, input: unknown, by: Requester): Promise<{ unknown_actions: UnknownActions }> {
    const policy = (input as { unknown_actions?: unknown } | null)?.unknown_actions;
    if (policy !== 'allow' && policy !== 'reject') {
      throw new SteleError('invalid_request', 'unknown_actions must be "allow" or "reject".', [{ field: 'unknown_actions', message: 'must be allow or reject' }]);
    }
    const before = await repository.unknownActions(tenantId);
    if (before !== policy) {
      await repository.setUnknownActions(tenantId, policy, new Date(clock()).toISOString());
      deps.check.forget(tenantId);
      await deps.trail.record(tenantId, { action: 'event_type.policy_changed', ...by, target: { type: 'event_type_policy', id: tenantId }, details: { unknown_actions: { from: before, to: policy } } });
    }
    return { unknown_actions: policy };
  }

  return {
    get,
    put,
    remove,
    list,
    setPolicy,
    /** What /v1/events/filters says of the declared types. */
    async summary(tenantId: string) {
      const { unknown_actions: unknownActions, event_types: types } = await list(tenantId);
      return { unknown_actions: unknownActions, event_types: types.map(({ action, version, category, description }) => ({ action, version, category, ...(description !== undefined && { description }) })) };
    },
  };
}

export type EventTypeService = ReturnType<typeof createEventTypeService>;
