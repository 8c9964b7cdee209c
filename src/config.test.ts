import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './config.js';

describe('configuration of the log origin and witnesses', () => {
  it('takes a schema-less URL as the log origin, the older STELE_LOG_NAME when it is unset, and localhost/stele otherwise', () => {
    assert.equal(loadConfig({ STELE_LOG_ORIGIN: 'audit.example.com/stele' }).integrity.logOrigin, 'audit.example.com/stele');
    assert.equal(loadConfig({ STELE_LOG_ORIGIN: 'audit.example.com:8443/a/b' }).integrity.logOrigin, 'audit.example.com:8443/a/b');
    assert.equal(loadConfig({ STELE_LOG_NAME: 'stele' }).integrity.logOrigin, 'stele');
    assert.equal(loadConfig({}).integrity.logOrigin, 'localhost/stele');
    for (const bad of ['https://audit.example.com', 'audit example', 'a+b', 'audit.example.com/', '/stele']) {
      assert.throws(() => loadConfig({ STELE_LOG_ORIGIN: bad }), /STELE_LOG_ORIGIN/, bad);
    }
  });

  it('reads witnesses as "<url> <key>" entries separated by ;', () => {
    assert.deepEqual(loadConfig({ STELE_WITNESSES: 'http://w1:7380 w1+0a0b0c0d+BA==; https://w2.example/ w2+01020304+BB==' }).integrity.witnesses,
      [{ url: 'http://w1:7380', key: 'w1+0a0b0c0d+BA==' }, { url: 'https://w2.example/', key: 'w2+01020304+BB==' }]);
    assert.throws(() => loadConfig({ STELE_WITNESSES: 'w1+0a0b0c0d+BA==' }), /STELE_WITNESSES/);
  });
});
