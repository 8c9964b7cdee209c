// OCSF 1.3.0 (Open Cybersecurity Schema Framework) events, one JSON object per line.
// Each StoredEvent is put in the most specific class whose required attributes it can fill:
//   3001 Account Change, 3002 Authentication, 3005 User Access Management (IAM, category 3),
//   6003 API Activity (Application Activity, category 6), else 0 Base Event (category 0).
// The rules, the required attributes per class and what goes to `unmapped` are in ./README.md.
// Choosing a class only when its required attributes exist means we never invent a user or
// an address to satisfy the schema.

import type { Actor, EventContext, EventGeo, JsonObject, JsonValue, StoredEvent, Target } from '../../domain/event.js';
import { DEFAULT_PRODUCT } from './export-format.js';
import type { ExportFormat, ProductInfo } from './export-format.js';
import { actionWords, epochMs, humanizeAction, ipOrUndefined } from './event-text.js';
import { cefSeverity, ocsfSeverityId } from './severity.js';

export const OCSF_VERSION = '1.3.0';

interface OcsfClass {
  readonly class_uid: number;
  readonly class_name: string;
  readonly category_uid: number;
  readonly category_name: string;
  /** Activity captions beyond the universal 0 Unknown and 99 Other. */
  readonly activities: Readonly<Record<number, string>>;
  /** Class-specific required attributes (the base ones apply to every class). */
  readonly required: readonly string[];
  /** True when `actor` comes from the host profile rather than the class itself. */
  readonly actorFromHostProfile: boolean;
}

const IAM = { category_uid: 3, category_name: 'Identity & Access Management' } as const;

export const OCSF_CLASSES = {
  base: {
    class_uid: 0, class_name: 'Base Event', category_uid: 0, category_name: 'Uncategorized',
    activities: {}, required: [], actorFromHostProfile: true,
  },
  accountChange: {
    class_uid: 3001, class_name: 'Account Change', ...IAM, required: ['user'], actorFromHostProfile: false,
    activities: {
      1: 'Create', 2: 'Enable', 3: 'Password Change', 4: 'Password Reset', 5: 'Disable', 6: 'Delete',
      7: 'Attach Policy', 8: 'Detach Policy', 9: 'Lock', 10: 'MFA Factor Enable', 11: 'MFA Factor Disable',
    },
  },
  authentication: {
    class_uid: 3002, class_name: 'Authentication', ...IAM, required: ['user'], actorFromHostProfile: false,
    activities: { 1: 'Logon', 2: 'Logoff', 3: 'Authentication Ticket', 4: 'Service Ticket Request', 5: 'Service Ticket Renew' },
  },
  userAccess: {
    class_uid: 3005, class_name: 'User Access Management', ...IAM, required: ['user', 'privileges'],
    actorFromHostProfile: true, activities: { 1: 'Assign Privileges', 2: 'Revoke Privileges' },
  },
  apiActivity: {
    class_uid: 6003, class_name: 'API Activity', category_uid: 6, category_name: 'Application Activity',
    required: ['actor', 'api', 'src_endpoint'], actorFromHostProfile: false,
    activities: { 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete' },
  },
} as const satisfies Record<string, OcsfClass>;

/** Attributes every OCSF 1.x event must carry (base_event.json, `requirement: required`). */
export const OCSF_BASE_REQUIRED = [
  'activity_id', 'category_uid', 'class_uid', 'metadata', 'severity_id', 'time', 'type_uid',
] as const;

const OTHER = 99;

type Words = ReadonlySet<string>;
const hasAny = (words: Words, list: readonly string[]) => list.some((w) => words.has(w));

// --- who: OCSF user objects need at least one of account, name, uid -------------------------

type OcsfObject = { [key: string]: JsonValue };

/** Drops undefined members so the JSON carries only what we know. */
function compact(object: { [key: string]: JsonValue | undefined }): OcsfObject {
  const out: OcsfObject = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) out[key] = value;
  return out;
}

const USER_TYPE_IDS: Readonly<Record<string, number>> = { user: 1, admin: 2, system: 3, service: 4 };

function userFromActor(actor: Actor | undefined): OcsfObject | undefined {
  const name = actor?.email ?? actor?.name;
  if (actor === undefined || (actor.id === undefined && name === undefined)) return undefined;
  const typeId = actor.type === undefined ? undefined : (USER_TYPE_IDS[actor.type.toLowerCase()] ?? OTHER);
  return compact({
    uid: actor.id, name, full_name: actor.name, email_addr: actor.email, type: actor.type, type_id: typeId,
  });
}

function userFromTarget(target: Target | undefined): OcsfObject | undefined {
  const name = target?.name ?? target?.slug;
  if (target === undefined || (target.id === undefined && name === undefined)) return undefined;
  return compact({ uid: target.id, name, type: target.type });
}

function actorObject(actor: Actor | undefined, context: EventContext | undefined): OcsfObject | undefined {
  const user = userFromActor(actor);
  const session = context?.session_id === undefined ? undefined : { uid: context.session_id };
  if (user === undefined && session === undefined) return undefined;
  return compact({ user, session });
}

/** The address, with the country the server looked up for it (OCSF Geo Location `country`: ISO 3166-1 alpha-2). */
function srcEndpoint(context: EventContext | undefined, geo: EventGeo | undefined): OcsfObject | undefined {
  const ip = ipOrUndefined(context?.ip);
  if (ip === undefined) return undefined;
  return geo?.country === undefined ? { ip } : { ip, location: { country: geo.country } };
}

function httpRequest(context: EventContext | undefined): OcsfObject | undefined {
  if (context === undefined) return undefined;
  const { method, url, user_agent: userAgent, request_id: uid } = context;
  if (method === undefined && url === undefined && userAgent === undefined && uid === undefined) return undefined;
  // A relative URL (the usual case, `/api/members/456/role`) is only a path, not a url_string.
  const urlObject: OcsfObject | undefined =
    url === undefined ? undefined : url.startsWith('/') ? { path: url } : { url_string: url };
  return compact({ http_method: method, url: urlObject, user_agent: userAgent, uid });
}

// --- which class: rules in order, each returning the class-specific attributes or undefined ---

interface Classified {
  readonly cls: OcsfClass;
  readonly activity_id: number;
  readonly attributes: OcsfObject;
}

const CREATE = ['create', 'created', 'signup', 'register', 'registered', 'provisioned'];
const ENABLE = ['enable', 'enabled', 'unlock', 'unlocked', 'reactivate', 'reactivated', 'activated'];
const DISABLE = ['disable', 'disabled', 'suspend', 'suspended', 'deactivate', 'deactivated'];
const DELETE = ['delete', 'deleted', 'remove', 'removed', 'deprovisioned'];
const LOCK = ['lock', 'locked', 'lockout'];
const MFA = ['mfa', '2fa', 'totp', 'webauthn', 'passkey', 'otp'];

function accountChangeActivity(words: Words): number | undefined {
  if (words.has('password')) {
    if (hasAny(words, ['reset', 'resetted'])) return 4;
    if (hasAny(words, ['change', 'changed', 'update', 'updated', 'set'])) return 3;
    return undefined;
  }
  if (hasAny(words, MFA)) {
    if (hasAny(words, [...ENABLE, ...CREATE, 'add', 'added', 'enroll', 'enrolled'])) return 10;
    if (hasAny(words, [...DISABLE, ...DELETE])) return 11;
    return undefined;
  }
  if (!hasAny(words, ['user', 'account'])) return undefined;
  if (hasAny(words, CREATE)) return 1;
  if (hasAny(words, ENABLE)) return 2;
  if (hasAny(words, DISABLE)) return 5;
  if (hasAny(words, DELETE)) return 6;
  if (hasAny(words, LOCK)) return 9;
  return undefined;
}

function accountChange(event: StoredEvent, words: Words): Classified | undefined {
  const activity = accountChangeActivity(words);
  // The account changed is the target; self-service changes (password.changed) name only the actor.
  const user = userFromTarget(event.target) ?? userFromActor(event.actor);
  if (activity === undefined || user === undefined) return undefined;
  return { cls: OCSF_CLASSES.accountChange, activity_id: activity, attributes: { user } };
}

const LOGOFF = ['logout', 'logoff', 'signout', 'signoff'];
const LOGON = ['login', 'logon', 'signin', 'sso', ...MFA];

function authenticationActivity(event: StoredEvent, words: Words): number | undefined {
  const signOut = words.has('sign') && words.has('out');
  const signIn = words.has('sign') && words.has('in');
  if (hasAny(words, LOGOFF) || signOut) return 2;
  if (hasAny(words, LOGON) || signIn) return 1;
  return event.category === 'authentication' ? OTHER : undefined;
}

function authentication(event: StoredEvent, words: Words): Classified | undefined {
  const activity = authenticationActivity(event, words);
  // A failed login often has no actor yet; the account tried is then the target.
  const user = userFromActor(event.actor) ?? userFromTarget(event.target);
  if (activity === undefined || user === undefined) return undefined;
  // Authentication needs a service or dst_endpoint: the service is the tenant's application.
  const attributes = compact({
    user,
    service: { uid: event.tenant_id },
    is_mfa: hasAny(words, MFA) ? true : undefined,
    session: event.context?.session_id === undefined ? undefined : { uid: event.context.session_id },
  });
  return { cls: OCSF_CLASSES.authentication, activity_id: activity, attributes };
}

const PRIVILEGE = ['role', 'roles', 'permission', 'permissions', 'privilege', 'privileges', 'grant', 'granted', 'revoke', 'revoked', 'scope', 'scopes'];
// Authorization-category events that record a decision, not a change of privileges.
const ACCESS_CHECK = ['denied', 'allowed', 'check', 'checked', 'evaluated', 'blocked'];
const REVOKE = ['revoke', 'revoked', 'unassign', 'unassigned', ...DELETE];
const PRIVILEGE_DETAILS = ['to_role', 'new_role', 'role', 'roles', 'permission', 'permissions', 'privileges', 'scopes'];

/** The privileges granted or revoked, from the usual details keys, else the action itself. */
function privilegesOf(event: StoredEvent): string[] {
  const details: JsonObject = event.details ?? {};
  for (const key of PRIVILEGE_DETAILS) {
    const value = details[key];
    if (typeof value === 'string') return [value];
    if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value as string[];
  }
  return [event.action];
}

function userAccess(event: StoredEvent, words: Words): Classified | undefined {
  const applies = hasAny(words, PRIVILEGE) || (event.category === 'authorization' && !hasAny(words, ACCESS_CHECK));
  const user = userFromTarget(event.target) ?? userFromActor(event.actor);
  if (!applies || user === undefined) return undefined;
  const activity = hasAny(words, REVOKE) ? 2 : 1;
  const attributes = { user, privileges: privilegesOf(event) };
  return { cls: OCSF_CLASSES.userAccess, activity_id: activity, attributes };
}

const METHOD_ACTIVITY: Readonly<Record<string, number>> = {
  POST: 1, PUT: 3, PATCH: 3, DELETE: 4, GET: 2, HEAD: 2,
};

function apiActivity(event: StoredEvent): Classified | undefined {
  const { context } = event;
  const actor = actorObject(event.actor, context);
  const src = srcEndpoint(context, event.geo);
  if (context?.method === undefined || context.url === undefined || actor === undefined || src === undefined) {
    return undefined;
  }
  const activity = METHOD_ACTIVITY[context.method.toUpperCase()] ?? OTHER;
  const api = compact({
    operation: event.action,
    request: context.request_id === undefined ? undefined : { uid: context.request_id },
  });
  return { cls: OCSF_CLASSES.apiActivity, activity_id: activity, attributes: { actor, api, src_endpoint: src } };
}

/** The OCSF class, activity and class-specific attributes for one event. */
export function classifyOcsf(event: StoredEvent): Classified {
  const words: Words = new Set(actionWords(event.action));
  return (
    accountChange(event, words) ??
    authentication(event, words) ??
    userAccess(event, words) ??
    apiActivity(event) ?? { cls: OCSF_CLASSES.base, activity_id: OTHER, attributes: {} }
  );
}

// --- the whole event -------------------------------------------------------------------------

const STATUS = { success: [1, 'Success'], failure: [2, 'Failure'], unknown: [0, 'Unknown'] } as const;
const SEVERITY_NAMES = ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical'] as const;

function statusOf(success: boolean | undefined) {
  const [id, name] = success === undefined ? STATUS.unknown : success ? STATUS.success : STATUS.failure;
  return { status_id: id, status: name };
}

/** Stele fields with no OCSF home in the chosen class, so nothing an analyst needs is lost. */
function unmappedOf(event: StoredEvent, cls: OcsfClass): OcsfObject {
  // Base Event has no endpoint or HTTP attributes, so those travel here for it.
  const isBase = cls.class_uid === 0;
  const context = event.context;
  return compact({
    tenant_id: event.tenant_id,
    seq: event.seq,
    action: event.action,
    category: event.category,
    target: event.target === undefined ? undefined : compact({ ...event.target }),
    details: event.details,
    location: context?.location,
    country: isBase ? event.geo?.country : undefined,
    api_key_id: context?.api_key_id,
    ip: isBase ? context?.ip : undefined,
    http_request: isBase ? httpRequest(context) : undefined,
    http_status: isBase ? context?.http_status : undefined,
    leaf_hash: event.leaf_hash,
    chain_hash: event.chain_hash,
  });
}

function metadataOf(event: StoredEvent, cls: OcsfClass, product: ProductInfo): OcsfObject {
  return compact({
    version: OCSF_VERSION,
    product: { name: product.name, vendor_name: product.vendor, version: product.version },
    uid: event.id,
    event_code: event.action,
    correlation_uid: event.context?.request_id,
    logged_time: epochMs(event.received_at),
    profiles: cls.actorFromHostProfile && event.actor !== undefined ? ['host'] : undefined,
  });
}

/** Attributes an IAM or API class can carry beyond its required ones (recommended/optional). */
function contextAttributes(event: StoredEvent, cls: OcsfClass): OcsfObject {
  if (cls.class_uid === 0) return {};
  const { context } = event;
  const status = context?.http_status;
  return compact({
    src_endpoint: srcEndpoint(context, event.geo),
    http_request: httpRequest(context),
    http_response: status === undefined ? undefined : { code: status },
  });
}

export function toOcsf(event: StoredEvent, product: ProductInfo = DEFAULT_PRODUCT): OcsfObject {
  const { cls, activity_id: activityId, attributes } = classifyOcsf(event);
  const severityId = ocsfSeverityId(cefSeverity(event));
  return compact({
    class_uid: cls.class_uid,
    class_name: cls.class_name,
    category_uid: cls.category_uid,
    category_name: cls.category_name,
    activity_id: activityId,
    activity_name: (cls.activities as Record<number, string>)[activityId] ?? (activityId === OTHER ? 'Other' : 'Unknown'),
    type_uid: cls.class_uid * 100 + activityId,
    time: epochMs(event.occurred_at) ?? epochMs(event.received_at) ?? 0,
    timezone_offset: 0,
    severity_id: severityId,
    severity: SEVERITY_NAMES[severityId],
    ...statusOf(event.success),
    message: humanizeAction(event.action),
    metadata: metadataOf(event, cls, product),
    actor: actorObject(event.actor, event.context),
    ...contextAttributes(event, cls),
    ...attributes,
    unmapped: unmappedOf(event, cls),
  });
}

export interface OcsfOptions {
  readonly product?: ProductInfo;
}

/** OCSF events as NDJSON: one object per line, the shape data lakes (Security Lake, etc.) ingest. */
export function createOcsfFormat(options: OcsfOptions = {}): ExportFormat {
  const product = options.product ?? DEFAULT_PRODUCT;
  return {
    contentType: 'application/x-ndjson; charset=utf-8',
    fileExtension: 'ocsf.ndjson',
    header: () => '',
    encode: (event) => `${JSON.stringify(toOcsf(event, product))}\n`,
    footer: () => '',
  };
}
