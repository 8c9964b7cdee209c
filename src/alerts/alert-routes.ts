// /v1/alert-rules, /v1/alert-rules/sigma, /v1/alert-templates and /v1/alerts (scope
// alerts:manage). A webhook action's signing secret is made when none is given and returned once,
// as `webhook_secrets`; a Slack URL (it holds its token) is shown masked.

import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { SteleError } from '../domain/errors.js';
import type { Guards } from '../http/guards.js';
import { requesterOf } from '../http/request-audit.js';
import { errorResponse, errorResponses, Id, TenantQuery, tenantIdParameter } from '../http/schemas.js';
import { ALERT_STATES } from './alert-repository.js';
import { CONDITION_TYPES, SEVERITIES } from './alert-rule.js';
import type { AlertService } from './alert-service.js';
import { TEMPLATES } from './alert-templates.js';

export interface AlertRoutesOptions {
  guards: Guards;
  alerts: AlertService;
}

const TAGS = ['alerts'];
const nullable = (schema: TSchema) => Type.Union([schema, Type.Null()]);
const Open = (description: string) => Type.Object({}, { additionalProperties: true, description });
const IdParams = (what: string) => Type.Object({ id: Type.String({ ...Id, description: `The ${what}'s id` }) }, { additionalProperties: false });

const Condition = Type.Object({
  type: Type.String({ enum: [...CONDITION_TYPES], description: 'threshold: count ≥ N within the window per group; distinct: N distinct values of field per group; first_seen: a value of field the group had not had within lookback_days; any: every match' }),
  count: Type.Optional(Type.Integer({ minimum: 1 })),
  window_minutes: Type.Optional(Type.Integer({ minimum: 1 })),
  group_by: Type.Optional(Type.Array(Type.String(), { maxItems: 4, description: 'actor.id, actor.email, ip, location, country, user_agent, target.id, session_id, action, details.<path> …' })),
  field: Type.Optional(Type.String()),
  lookback_days: Type.Optional(Type.Integer({ minimum: 1 })),
}, { additionalProperties: false });

const Schedule = Type.Object({
  timezone: Type.String({ description: 'IANA zone, e.g. Europe/Berlin' }),
  days: Type.Optional(Type.Array(Type.String({ enum: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] }))),
  from: Type.String({ description: 'HH:MM local, inclusive' }),
  to: Type.String({ description: 'HH:MM local, exclusive (before from: over midnight)' }),
  outside: Type.Optional(Type.Boolean({ description: 'true: the rule looks outside these hours (off-hours access)' })),
}, { additionalProperties: false, description: 'Limits the rule to events within (or outside) business hours' });

const ActionIn = Type.Object({
  type: Type.String({ enum: ['webhook', 'slack', 'email'] }),
  url: Type.Optional(Type.String({ maxLength: 2048, description: 'webhook: receives a POST signed per Standard Webhooks; slack: an incoming-webhook URL' })),
  secret: Type.Optional(Type.String({ maxLength: 100, description: 'webhook: a whsec_ secret; without it one is made and returned once' })),
  to: Type.Optional(Type.Array(Type.String({ maxLength: 254 }), { maxItems: 20, description: 'email: recipients (needs STELE_SMTP_HOST)' })),
}, { additionalProperties: false });

const RuleMembers = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  query: Type.String({ maxLength: 2000, description: 'The search language (GET /v1/events/filters); empty: every event' }),
  condition: Condition,
  schedule: Type.Optional(nullable(Schedule)),
  severity: Type.String({ enum: [...SEVERITIES] }),
  cooldown_minutes: Type.Optional(Type.Integer({ minimum: 0, description: 'No new alert for the same group within this time of the last (default 60)' })),
  enabled: Type.Optional(Type.Boolean()),
  actions: Type.Optional(Type.Array(ActionIn, { maxItems: 10 })),
};

const RuleBody = Type.Object(RuleMembers, { additionalProperties: false });
const CreateBody = Type.Object({
  ...Object.fromEntries(Object.entries(RuleMembers).map(([k, v]) => [k, Type.Optional(v)])),
  template: Type.Optional(Type.String({ enum: TEMPLATES.map((t) => t.name), description: 'Start from a template; the other members override it' })),
}, { additionalProperties: false, description: 'A rule, or {template, ...overrides}' });

const SigmaBody = Type.Object({
  sigma: Type.String({ maxLength: 100_000, description: 'The YAML text: one rule, or base rules and an event_count/value_count correlation separated by ---' }),
  actions: Type.Optional(Type.Array(ActionIn, { maxItems: 10 })),
  cooldown_minutes: Type.Optional(Type.Integer({ minimum: 0 })),
  enabled: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

const ActionOut = Type.Object({
  type: Type.String({ enum: ['webhook', 'slack', 'email'] }),
  url: Type.Optional(Type.String({ description: 'Slack URLs masked' })),
  to: Type.Optional(Type.Array(Type.String())),
}, { additionalProperties: false });

const RuleDoc = Type.Object({
  id: Type.String(), tenant_id: Type.String(), name: Type.String(), query: Type.String(),
  condition: Open('The condition'), schedule: nullable(Open('The schedule')),
  severity: Type.String({ enum: [...SEVERITIES] }), cooldown_minutes: Type.Integer(), enabled: Type.Boolean(),
  actions: Type.Array(ActionOut),
  source: nullable(Open('{template} or {sigma: {title, id?}}: where the rule came from')),
  created_at: Type.String(), updated_at: Type.String(), created_by: Open('Who created it'),
}, { additionalProperties: false });

const RuleAnswer = Type.Object({
  ...RuleDoc.properties,
  webhook_secrets: Type.Optional(Type.Array(Type.String(), { description: 'The whsec_ secrets made for webhook actions, shown once, in the order of those actions' })),
}, { additionalProperties: false });

const EventRef = Type.Object({ id: Type.String(), seq: Type.Integer(), occurred_at: Type.String() }, { additionalProperties: false });
const Delivery = Type.Object({
  action: Type.Integer(), type: Type.String({ enum: ['webhook', 'slack', 'email'] }), to: Type.String(),
  state: Type.String({ enum: ['pending', 'sent', 'failed'] }), attempts: Type.Integer(), last_error: nullable(Type.String()),
  next_attempt_at: nullable(Type.String()), sent_at: nullable(Type.String()),
}, { additionalProperties: false });

const AlertDoc = Type.Object({
  id: Type.String(), tenant_id: Type.String(), rule_id: Type.String(), rule_name: Type.String(),
  severity: Type.String({ enum: [...SEVERITIES] }), state: Type.String({ enum: [...ALERT_STATES] }),
  condition_type: Type.String({ enum: [...CONDITION_TYPES] }),
  group: Type.Record(Type.String(), Type.String(), { description: 'The group\'s values by field' }), group_key: Type.String(),
  count: Type.Integer(), window_minutes: nullable(Type.Integer()),
  field: nullable(Type.Object({ name: Type.String(), value: Type.Optional(Type.String()) }, { additionalProperties: false })),
  first_event: EventRef, last_event: EventRef,
  search: Type.String({ description: 'The query (GET /v1/events?q=) that shows the matching events' }),
  link: Type.String({ description: 'The dashboard\'s audit log with that search' }),
  fired_at: Type.String(),
  acknowledged: nullable(Type.Object({ at: Type.String(), by: Open('Who') }, { additionalProperties: false })),
  resolved: nullable(Type.Object({ at: Type.String(), by: Open('Who') }, { additionalProperties: false })),
  deliveries: Type.Array(Delivery, { description: 'Each action\'s notification: pending (with the next attempt), sent or failed' }),
}, { additionalProperties: false });

const AlertsQuery = Type.Object({
  tenant_id: tenantIdParameter,
  state: Type.Optional(Type.String({ enum: [...ALERT_STATES], description: 'Only alerts in this state' })),
  severity: Type.Optional(Type.String({ enum: [...SEVERITIES], description: 'Only alerts of this severity' })),
  rule_id: Type.Optional(Type.String({ ...Id, description: 'Only alerts of this rule' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: 'How many alerts: 1..1000, default 100 (counts always cover every alert)' })),
}, { additionalProperties: false });

const withSecrets = ({ rule, secrets }: { rule: object; secrets: string[] }) => ({ ...rule, ...(secrets.length > 0 && { webhook_secrets: secrets }) });

export const alertRoutes: FastifyPluginAsync<AlertRoutesOptions> = async (app, { guards, alerts }) => {
  const tenantOf = (request: FastifyRequest) => guards.tenantOf(request, (request.query as { tenant_id?: string }).tenant_id);
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
  const guard = guards.authorize('alerts:manage');
  const bodyOf = (request: FastifyRequest) => request.body as Record<string, unknown>;

  app.post('/v1/alert-rules', {
    preHandler: guard,
    schema: {
      operationId: 'createAlertRule', tags: TAGS, summary: 'Create an alert rule, or one from a template',
      description: 'Evaluated as events arrive (src/alerts/README.md). `{template: "brute_force", ...overrides}` starts from a template (GET /v1/alert-templates). Recorded as `alert_rule.created`.',
      querystring: TenantQuery, body: CreateBody, response: { 201: RuleAnswer, ...errorResponses },
    },
  }, async (request, reply) => reply.status(201).send(withSecrets(await alerts.create(await tenantOf(request), bodyOf(request), requesterOf(request)))));

  app.post('/v1/alert-rules/sigma', {
    preHandler: guard,
    schema: {
      operationId: 'importSigmaRule', tags: TAGS, summary: 'Create an alert rule from a Sigma rule',
      description: 'The title becomes the name, the level the severity; the detection becomes the query, an event_count or value_count correlation the condition. Anything unsupported is a 400 naming the construct, and nothing is created.',
      querystring: TenantQuery, body: SigmaBody, response: { 201: RuleAnswer, ...errorResponses },
    },
  }, async (request, reply) => reply.status(201).send(withSecrets(await alerts.importSigma(await tenantOf(request), bodyOf(request), requesterOf(request)))));

  app.get('/v1/alert-rules', {
    preHandler: guard,
    schema: {
      operationId: 'listAlertRules', tags: TAGS, summary: 'List alert rules', description: 'Oldest first; secrets are not shown.',
      querystring: TenantQuery, response: { 200: Type.Object({ rules: Type.Array(RuleDoc) }, { additionalProperties: false }), ...errorResponses },
    },
  }, async (request) => ({ rules: await alerts.listRules(await tenantOf(request)) }));

  app.get('/v1/alert-rules/:id', {
    preHandler: guard,
    schema: { operationId: 'getAlertRule', tags: TAGS, summary: 'One alert rule', description: 'Secrets are not shown.', params: IdParams('rule'), querystring: TenantQuery, response: { 200: RuleDoc, ...errorResponses } },
  }, async (request) => alerts.getRule(await tenantOf(request), idOf(request)));

  app.put('/v1/alert-rules/:id', {
    preHandler: guard,
    schema: {
      operationId: 'updateAlertRule', tags: TAGS, summary: 'Replace an alert rule',
      description: 'A webhook action whose URL stays keeps its secret; a Slack URL sent back masked keeps its value. Recorded as `alert_rule.updated` with what changed.',
      params: IdParams('rule'), querystring: TenantQuery, body: RuleBody, response: { 200: RuleAnswer, ...errorResponses },
    },
  }, async (request) => withSecrets(await alerts.update(await tenantOf(request), idOf(request), bodyOf(request), requesterOf(request))));

  app.delete('/v1/alert-rules/:id', {
    preHandler: guard,
    schema: { operationId: 'deleteAlertRule', tags: TAGS, summary: 'Delete an alert rule', description: 'Its alerts stay in the history. Recorded as `alert_rule.deleted`.', params: IdParams('rule'), querystring: TenantQuery, response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    await alerts.remove(await tenantOf(request), idOf(request), requesterOf(request));
    return reply.status(204).send();
  });

  app.get('/v1/alert-templates', {
    preHandler: guard,
    schema: {
      operationId: 'listAlertTemplates', tags: TAGS, summary: 'The built-in rule templates', description: 'Each with the rule it creates (without actions). `new_location` is first-seen of `country` (the country of context.ip) when the server has a GeoIP database (STELE_GEOIP_DATABASE), of `location` (context.location) otherwise.',
      querystring: TenantQuery,
      response: { 200: Type.Object({ templates: Type.Array(Type.Object({ name: Type.String(), title: Type.String(), description: Type.String(), rule: Open('The rule it creates') }, { additionalProperties: false })) }, { additionalProperties: false }), ...errorResponses },
    },
  }, async (request) => {
    await tenantOf(request);
    return { templates: alerts.templates };
  });

  app.get('/v1/alerts', {
    preHandler: guard,
    schema: {
      operationId: 'listAlerts', tags: TAGS, summary: 'Fired alerts, newest first',
      description: 'With each alert\'s rule, group, count, first and last events, the search that shows them and the state of its notifications; `counts` has the number in each state.',
      querystring: AlertsQuery,
      response: { 200: Type.Object({ alerts: Type.Array(AlertDoc), counts: Type.Object({ open: Type.Integer(), acknowledged: Type.Integer(), resolved: Type.Integer() }, { additionalProperties: false }) }, { additionalProperties: false }), ...errorResponses },
    },
  }, async (request) => {
    const { limit, ...filter } = request.query as { state?: string; severity?: string; rule_id?: string; limit?: string };
    const count = limit === undefined ? 100 : Number(limit);
    if (!(count >= 1 && count <= 1000)) throw new SteleError('invalid_request', 'limit must be 1 to 1000', [{ field: 'limit', message: 'out of range' }]);
    return alerts.list(await tenantOf(request), { ...filter, limit: count });
  });

  app.get('/v1/alerts/:id', {
    preHandler: guard,
    schema: { operationId: 'getAlert', tags: TAGS, summary: 'One fired alert', description: 'With the state of its notifications.', params: IdParams('alert'), querystring: TenantQuery, response: { 200: AlertDoc, ...errorResponses } },
  }, async (request) => alerts.get(await tenantOf(request), idOf(request)));

  for (const [verb, operationId, summary, description] of [
    ['acknowledge', 'acknowledgeAlert', 'Acknowledge an alert', 'Someone is on it. Recorded as `alert.acknowledged`. A resolved alert answers 409.'],
    ['resolve', 'resolveAlert', 'Resolve an alert', 'Recorded as `alert.resolved`.'],
  ] as const) {
    app.post(`/v1/alerts/:id/${verb}`, {
      preHandler: guard,
      schema: {
        operationId, tags: TAGS, summary, description, params: IdParams('alert'), querystring: TenantQuery,
        response: { 200: AlertDoc, ...errorResponses, ...(verb === 'acknowledge' && { 409: errorResponse('The alert is resolved already (`conflict`).') }) },
      },
    }, async (request) => alerts[verb](await tenantOf(request), idOf(request), requesterOf(request)));
  }
};
