import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readViewerToken, signViewerToken, type ViewerClaims } from './viewer-token.js';

const KEY = Buffer.alloc(32, 7);
const NOW = Date.parse('2026-05-01T12:00:00Z');
const claims: ViewerClaims = { jti: 't1', tenant_id: 'acme', filters: { action: ['login.*'] }, exp: NOW / 1000 + 60 };

describe('viewer tokens', () => {
  it('reads back the claims of a token it signed', () => {
    assert.deepEqual(readViewerToken(signViewerToken(claims, KEY), KEY, NOW), claims);
  });

  it('rejects a token whose payload was changed to another tenant', () => {
    const token = signViewerToken(claims, KEY);
    const [payload, mac] = token.slice(4).split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, tenant_id: 'globex' })).toString('base64url');
    assert.notEqual(forged, payload);
    assert.equal(readViewerToken(`stv_${forged}.${mac}`, KEY, NOW), undefined);
  });

  it('rejects a token signed with another key, an expired one and trailing garbage', () => {
    const token = signViewerToken(claims, KEY);
    assert.equal(readViewerToken(token, Buffer.alloc(32, 8), NOW), undefined);
    assert.equal(readViewerToken(token, KEY, NOW + 60_000), undefined);
    assert.equal(readViewerToken(`${token}.x`, KEY, NOW), undefined);
    assert.equal(readViewerToken(token.replace('stv_', 'stx_'), KEY, NOW), undefined);
  });
});
