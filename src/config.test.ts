import assert from 'node:assert/strict';
import { resolve } from 'node:path';
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

describe('configuration of scale-out', () => {
  it('bounds the ingest queue at 20,000 events by default, takes another bound, and turns it off with 0', () => {
    assert.deepEqual(loadConfig({}).ingestQueue, { maxWaitingEvents: 20_000, retryAfterSeconds: 1 });
    assert.deepEqual(loadConfig({ STELE_INGEST_QUEUE_LIMIT: '500', STELE_INGEST_RETRY_AFTER_SECONDS: '3' }).ingestQueue, { maxWaitingEvents: 500, retryAfterSeconds: 3 });
    assert.equal(loadConfig({ STELE_INGEST_QUEUE_LIMIT: '0' }).ingestQueue, undefined);
    assert.throws(() => loadConfig({ STELE_INGEST_QUEUE_LIMIT: '-1' }), /STELE_INGEST_QUEUE_LIMIT/);
    assert.throws(() => loadConfig({ STELE_INGEST_RETRY_AFTER_SECONDS: '0' }), /STELE_INGEST_RETRY_AFTER_SECONDS/);
  });

  it('takes a read replica only as a postgres:// URL, and only with a primary', () => {
    const primary = { STELE_DATABASE_URL: 'postgres://stele@db:5432/stele' };
    assert.equal(loadConfig({ ...primary, STELE_DATABASE_READ_URL: 'postgres://stele@replica:5432/stele' }).databaseReadUrl, 'postgres://stele@replica:5432/stele');
    assert.equal(loadConfig(primary).databaseReadUrl, undefined);
    assert.throws(() => loadConfig({ STELE_DATABASE_READ_URL: 'postgres://stele@replica:5432/stele' }), /needs STELE_DATABASE_URL/);
    assert.throws(() => loadConfig({ ...primary, STELE_DATABASE_READ_URL: 'mysql://replica' }), /must be a postgres:\/\/ URL/);
  });
});

describe('configuration of the GeoIP database', () => {
  it('has none unless STELE_GEOIP_DATABASE names a file, which it makes absolute (the file is opened at start-up)', () => {
    assert.equal(loadConfig({}).geoipDatabase, undefined);
    assert.equal(loadConfig({ STELE_GEOIP_DATABASE: '' }).geoipDatabase, undefined);
    assert.equal(loadConfig({ STELE_GEOIP_DATABASE: '/var/lib/GeoIP/GeoLite2-Country.mmdb' }).geoipDatabase, '/var/lib/GeoIP/GeoLite2-Country.mmdb');
    assert.equal(loadConfig({ STELE_GEOIP_DATABASE: 'geo/City.mmdb' }).geoipDatabase, resolve('geo/City.mmdb'));
  });
});

describe('configuration of stream delivery', () => {
  it('delivers on a thread of its own unless STELE_STREAM_THREAD=off, and refuses anything but on and off', () => {
    assert.equal(loadConfig({}).streams.thread, true);
    assert.equal(loadConfig({ STELE_STREAM_THREAD: 'on' }).streams.thread, true);
    assert.equal(loadConfig({ STELE_STREAM_THREAD: 'OFF' }).streams.thread, false);
    assert.throws(() => loadConfig({ STELE_STREAM_THREAD: 'no' }), /STELE_STREAM_THREAD must be on or off/);
  });

  it('evaluates alerts on a thread of its own unless STELE_ALERT_THREAD=off, on either engine, and refuses anything but on and off', () => {
    assert.equal(loadConfig({}).alertThread, true);
    assert.equal(loadConfig({ STELE_DATABASE_URL: 'postgres://127.0.0.1/stele' }).alertThread, true);
    assert.equal(loadConfig({ STELE_ALERT_THREAD: 'Off' }).alertThread, false);
    assert.throws(() => loadConfig({ STELE_ALERT_THREAD: 'auto' }), /STELE_ALERT_THREAD must be on or off/);
  });

  it('is plain data, so the streams thread can be given it', () => {
    const config = loadConfig({ STELE_STREAM_HOSTS: 'siem.example.com', STELE_SMTP_HOST: 'mail.example.com', STELE_SMTP_FROM: 'stele@example.com', STELE_DATABASE_URL: 'postgres://stele@db/stele' });
    assert.deepEqual(structuredClone(config), config);
  });
});
