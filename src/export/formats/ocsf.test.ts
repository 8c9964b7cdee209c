import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OCSF_BASE_REQUIRED, OCSF_CLASSES, OCSF_VERSION, createOcsfFormat, toOcsf } from './ocsf.js';
import { HOSTILE_STRINGS, bareEvent, hostileEvent, storedEvent } from './testing/events.js';
import type { StoredEvent } from '../../domain/event.js';

type Json = Record<string, any>;

// Per class, the attributes OCSF 1.3 marks `required` (see README.md), beyond the base ones.
const CLASS_REQUIRED: Record<number, string[]> = Object.fromEntries(
  Object.values(OCSF_CLASSES).map((cls) => [cls.class_uid, [...cls.required]]),
);

/** Checks what the schema requires of any event and of its class; returns the event for more checks. */
function assertValidOcsf(event: StoredEvent): Json {
  const out: Json = JSON.parse(JSON.stringify(toOcsf(event)));
  for (const key of OCSF_BASE_REQUIRED) assert.ok(key in out, `${key} missing for ${event.action}`);
  const required = CLASS_REQUIRED[out.class_uid];
  assert.ok(required, `unexpected class ${out.class_uid}`);
  for (const key of required) assert.ok(key in out, `${key} missing in class ${out.class_uid}`);
  assert.equal(out.type_uid, out.class_uid * 100 + out.activity_id);
  assert.equal(out.category_uid, Math.floor(out.class_uid / 1000));
  assert.ok(Number.isInteger(out.time) && out.time > 0);
  assert.ok([1, 2, 3, 4, 5].includes(out.severity_id));
  assert.ok([0, 1, 2].includes(out.status_id));
  assert.equal(out.metadata.version, OCSF_VERSION);
  assert.equal(typeof out.metadata.product.name, 'string');
  assert.equal(typeof out.metadata.product.vendor_name, 'string');
  for (const user of [out.user, out.actor?.user].filter(Boolean)) {
    assert.ok('uid' in user || 'name' in user || 'account' in user, 'user needs uid, name or account');
  }
  if (out.actor) assert.ok(out.actor.user || out.actor.session, 'actor needs a user or a session');
  if (out.src_endpoint) assert.ok(out.src_endpoint.ip, 'src_endpoint needs an ip');
  if (out.class_uid === 3002) assert.ok(out.service || out.dst_endpoint, 'Authentication needs service or dst_endpoint');
  if (out.class_uid === 3005) assert.ok(Array.isArray(out.privileges) && out.privileges.length > 0);
  if (out.class_uid === 6003) assert.equal(typeof out.api.operation, 'string');
  return out;
}

const login = (overrides: Partial<StoredEvent> = {}) =>
  storedEvent({ action: 'user.login', category: 'authentication', target: undefined, details: undefined, ...overrides });

describe('OCSF classification', () => {
  const cases: [string, StoredEvent, number, number][] = [
    ['a login', login(), 3002, 1],
    ['a login_success', login({ action: 'login_success' }), 3002, 1],
    ['a failed login with only a target account', login({ action: 'login.failed', success: false, actor: undefined, target: { type: 'user', name: 'eve@example.com' } }), 3002, 1],
    ['a logout', login({ action: 'session.logout' }), 3002, 2],
    ['a sign_out', login({ action: 'user.sign_out' }), 3002, 2],
    ['an mfa challenge', login({ action: 'mfa.challenge_passed' }), 3002, 1],
    ['an authentication event of another kind', login({ action: 'token.refreshed' }), 3002, 99],
    ['a password change', login({ action: 'password.changed' }), 3001, 3],
    ['a password reset', login({ action: 'user.password_reset' }), 3001, 4],
    ['an mfa enrolment', login({ action: 'mfa.enabled' }), 3001, 10],
    ['an mfa removal', login({ action: 'mfa.disabled' }), 3001, 11],
    ['a user creation', storedEvent({ action: 'user.created', category: 'team' }), 3001, 1],
    ['a user deletion', storedEvent({ action: 'user.deleted', category: 'team' }), 3001, 6],
    ['an account lock', storedEvent({ action: 'account.locked', category: 'security' }), 3001, 9],
    ['a role change', storedEvent(), 3005, 1],
    ['a permission_change', storedEvent({ action: 'permission_change' }), 3005, 1],
    ['a role revocation', storedEvent({ action: 'role.revoked' }), 3005, 2],
    ['an API call', storedEvent({ action: 'document.updated', category: 'resource', context: { ip: '192.0.2.1', method: 'PATCH', url: '/docs/1' } }), 6003, 3],
    ['an API call without an address', storedEvent({ action: 'document.updated', category: 'resource', context: { method: 'PATCH', url: '/docs/1' } }), 0, 99],
    ['an access decision', storedEvent({ action: 'access.denied', category: 'authorization', context: undefined }), 0, 99],
    ['a custom event', bareEvent(), 0, 99],
  ];
  for (const [name, event, classUid, activityId] of cases) {
    it(`puts ${name} in class ${classUid}, activity ${activityId}, with every required attribute`, () => {
      const out = assertValidOcsf(event);
      assert.equal(out.class_uid, classUid);
      assert.equal(out.activity_id, activityId);
    });
  }
});

describe('OCSF attributes', () => {
  it('fills the base attributes of a login', () => {
    const out = assertValidOcsf(login({ success: false }));
    assert.equal(out.time, Date.parse('2026-05-01T12:00:00.123Z'));
    assert.equal(out.status_id, 2);
    assert.equal(out.severity_id, 3);
    assert.deepEqual(out.metadata.product, { name: 'AuditLog', vendor_name: 'Stele', version: '1.0' });
    assert.equal(out.metadata.uid, 'evt_01HZX');
    assert.equal(out.user.uid, 'user_123');
    assert.equal(out.user.email_addr, 'admin@example.com');
    assert.deepEqual(out.src_endpoint, { ip: '192.0.2.10' });
    assert.deepEqual(out.service, { uid: 'ten_1' });
  });

  it('puts the country the server looked up for the address in src_endpoint.location', () => {
    assert.deepEqual(assertValidOcsf(login({ geo: { country: 'FR' } })).src_endpoint, { ip: '192.0.2.10', location: { country: 'FR' } });
  });

  it('marks an MFA step as MFA', () => {
    assert.equal(assertValidOcsf(login({ action: 'mfa.verified' })).is_mfa, true);
  });

  it('takes the privileges of a role change from its details', () => {
    const out = assertValidOcsf(storedEvent());
    assert.deepEqual(out.privileges, ['editor']);
    assert.equal(out.user.uid, 'user_456');
    assert.equal(out.actor.user.uid, 'user_123');
  });

  it('falls back to the action as the privilege when details name none', () => {
    assert.deepEqual(assertValidOcsf(storedEvent({ action: 'permission_change', details: undefined })).privileges, ['permission_change']);
  });

  it('describes an API call with its operation, request and response', () => {
    const out = assertValidOcsf(storedEvent({ action: 'document.deleted', category: 'resource' }));
    assert.equal(out.class_uid, 6003);
    assert.equal(out.activity_id, 1);
    assert.deepEqual(out.api, { operation: 'document.deleted', request: { uid: 'req_9' } });
    assert.deepEqual(out.http_request, { http_method: 'POST', url: { path: '/api/members/456/role' }, user_agent: 'Mozilla/5.0 (X11)', uid: 'req_9' });
    assert.deepEqual(out.http_response, { code: 200 });
  });

  it('keeps Stele fields without an OCSF home under unmapped, integrity fields included', () => {
    const out = assertValidOcsf(storedEvent());
    assert.equal(out.unmapped.tenant_id, 'ten_1');
    assert.equal(out.unmapped.seq, 42);
    assert.equal(out.unmapped.leaf_hash, 'a'.repeat(64));
    assert.deepEqual(out.unmapped.details, { from_role: 'viewer', to_role: 'editor' });
  });

  it('gives every hostile event every required attribute', () => {
    HOSTILE_STRINGS.forEach((value) => assertValidOcsf(hostileEvent(value)));
  });

  it('writes one JSON object per line', () => {
    const ocsf = createOcsfFormat();
    const events = [storedEvent(), login(), bareEvent(), ...HOSTILE_STRINGS.map((v) => hostileEvent(v))];
    const text = ocsf.header() + events.map((e, i) => ocsf.encode(e, i)).join('') + ocsf.footer();
    const lines = text.split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, events.length);
    lines.forEach((line) => assert.ok(JSON.parse(line).class_uid !== undefined));
  });
});
