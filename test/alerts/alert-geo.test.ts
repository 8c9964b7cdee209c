// New location by country: with a MaxMind database (STELE_GEOIP_DATABASE; ours is written by
// src/geoip/testing/mmdb-writer.ts into a temporary directory) each event whose context.ip is in a
// mapped network is stored with the server-derived `geo.country`, sealed with the event, found by
// the search language, and counted by first_seen rules in memory and in SQL. The "new location"
// template switches to the country; a file the server cannot use stops it at start-up.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { countryRecord, writeMmdb } from '../../src/geoip/testing/mmdb-writer.js';
import { ENGINES, openTestStore } from '../../src/store/testing/test-stores.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { runCliToEnd, startServerProcess } from '../helpers/server-process.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-app.js';

const dir = mkdtempSync(join(tmpdir(), 'stele-geo-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const DATABASE = join(dir, 'GeoLite2-Country.mmdb');
writeFileSync(DATABASE, writeMmdb([
  { cidr: '192.0.2.0/24', data: countryRecord('DE', 'Germany') },
  { cidr: '198.51.100.0/24', data: countryRecord('FR', 'France') },
  { cidr: '2001:db8::/32', data: countryRecord('JP', 'Japan') },
], { databaseType: 'GeoLite2-Country' }));

interface Stored { id: string; seq: number; context?: Record<string, unknown>; geo?: { country: string } }

for (const engine of ENGINES) {
  describe(`new location by country on ${engine.name}`, { skip: engine.skip }, () => {
    let app: TestApp;
    let key: string;
    const api = (method: 'GET' | 'POST', url: string, payload?: object) => app.request({ method, url, key, ...(payload && { payload }) });
    async function send(events: object[]): Promise<{ id: string; seq: number }[]> {
      const response = await api('POST', '/v1/events', events);
      assert.equal(response.statusCode, 201, response.body);
      await app.alertsIdle();
      return response.json().events;
    }
    const search = async (q: string) => ((await api('GET', `/v1/events?q=${encodeURIComponent(q)}`)).json().events as Stored[]).map((e) => e.id).sort();

    before(async () => {
      app = await startTestApp(engine.name, { STELE_GEOIP_DATABASE: DATABASE });
      ({ key } = await app.tenantWithKey(['events:write', 'audit:read', 'alerts:manage']));
    });
    after(async () => app?.close());

    it('stores the country of context.ip beside the client\'s own context, sealed, and finds it by country', async () => {
      await send([
        { id: 'geo-de', action: 'doc.viewed', context: { ip: '192.0.2.10', location: 'somewhere the client says' } },
        { id: 'geo-jp', action: 'doc.viewed', context: { ip: '2001:db8::7' } },
        { id: 'geo-none', action: 'doc.viewed', context: { ip: '203.0.113.5' } },
        { id: 'geo-noip', action: 'doc.viewed' },
      ]);
      const de = (await api('GET', '/v1/events/geo-de')).json() as Stored;
      assert.deepEqual(de.context, { ip: '192.0.2.10', location: 'somewhere the client says' }, 'the client\'s fields as sent');
      assert.deepEqual(de.geo, { country: 'DE' });
      assert.deepEqual(((await api('GET', '/v1/events/geo-jp')).json() as Stored).geo, { country: 'JP' });
      assert.equal(((await api('GET', '/v1/events/geo-none')).json() as Stored).geo, undefined, 'an address in no mapped network');
      assert.equal(((await api('GET', '/v1/events/geo-noip')).json() as Stored).geo, undefined);
      assert.deepEqual(await search('country:DE'), ['geo-de']);
      assert.deepEqual(await search('geo.country:JP'), ['geo-jp']);
      assert.deepEqual(await search('action:doc.viewed -country:*'), ['geo-noip', 'geo-none']);
      // Part of the hashed event: the log verifies with it, and a client cannot send one.
      const verified = await api('POST', '/v1/integrity/verify', {});
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(verified.json().ok, true, verified.body);
      const forged = await api('POST', '/v1/events', { action: 'doc.viewed', context: { ip: '192.0.2.10' }, geo: { country: 'US' } });
      assert.equal(forged.statusCode, 400);
      assert.equal(forged.json().error.details[0].field, 'geo');
    });

    it('a first_seen rule by country fires for a login from a new country, not for a new address in the same one', async () => {
      const templates = (await api('GET', '/v1/alert-templates')).json().templates as { name: string; description: string; rule: { condition: { field: string } } }[];
      const template = templates.find((t) => t.name === 'new_location')!;
      assert.equal(template.rule.condition.field, 'country');
      assert.match(template.description, /GeoIP/);
      const rule = (await api('POST', '/v1/alert-rules', { template: 'new_location' })).json();
      assert.equal(rule.condition.field, 'country');
      const login = (id: string, ip: string) => ({ id, action: 'user.login', actor: { id: 'ann' }, success: true, context: { ip } });
      const alerts = async () => (await api('GET', `/v1/alerts?rule_id=${rule.id}`)).json().alerts as { field: { name: string; value: string }; first_event: { id: string }; group: object }[];
      await send([login('l1', '192.0.2.10')]); // the baseline: her first login is not "new"
      await send([login('l2', '192.0.2.99')]); // another address in Germany
      assert.deepEqual(await alerts(), []);
      await send([login('l3', '198.51.100.4')]); // France
      let fired = await alerts();
      assert.equal(fired.length, 1);
      assert.deepEqual(fired[0]!.field, { name: 'country', value: 'FR' });
      assert.deepEqual(fired[0]!.group, { 'actor.id': 'ann' });
      assert.equal(fired[0]!.first_event.id, 'l3');
      await send([login('l4', '198.51.100.200')]); // France again, another address
      fired = await alerts();
      assert.equal(fired.length, 1, 'France is not new any more');
      // The alert's search shows the event, by country in SQL.
      const shown = (await api('GET', `/v1/alerts/${(fired[0] as unknown as { id: string }).id}`)).json();
      assert.deepEqual(await search(shown.search), ['l3']);
    });

    it('reads the history in SQL: a country in the log before the rule existed is not new', async () => {
      await send([
        { action: 'user.login', actor: { id: 'bob' }, context: { ip: '192.0.2.1' } },
        { action: 'user.login', actor: { id: 'bob' }, context: { ip: '2001:db8::1' } },
      ]);
      // Made after those logins, so it remembers no sighting of its own: "seen before" comes from the events table.
      const rule = (await api('POST', '/v1/alert-rules', {
        name: 'New country for bob', query: 'action:user.login actor.id:bob', severity: 'low', cooldown_minutes: 0,
        condition: { type: 'first_seen', field: 'geo.country', group_by: ['actor.id'], lookback_days: 30 },
      })).json();
      await send([{ id: 'bob-jp', action: 'user.login', actor: { id: 'bob' }, context: { ip: '2001:db8::2' } }]);
      assert.deepEqual((await api('GET', `/v1/alerts?rule_id=${rule.id}`)).json().alerts, [], 'Japan is in his history');
      await send([{ id: 'bob-fr', action: 'user.login', actor: { id: 'bob' }, context: { ip: '198.51.100.9' } }]);
      const [alert] = (await api('GET', `/v1/alerts?rule_id=${rule.id}`)).json().alerts;
      assert.deepEqual(alert.field, { name: 'country', value: 'FR' });
      assert.equal(alert.first_event.id, 'bob-fr');
    });

    it('counts countries in distinct rules and groups by them; Sigma\'s source.geo.country_iso_code is the country', async () => {
      const sigma = [
        'title: Login from France', 'level: medium', 'logsource: {product: stele}',
        'detection:', '  sel:', '    action: user.login', '    source.geo.country_iso_code: FR', '  condition: sel',
      ].join('\n');
      const imported = await api('POST', '/v1/alert-rules/sigma', { sigma, cooldown_minutes: 0 });
      assert.equal(imported.statusCode, 201, imported.body);
      assert.match(imported.json().query, /country:FR/);
      const travel = (await api('POST', '/v1/alert-rules', {
        name: 'Three countries', query: 'action:user.login actor.id:cy', severity: 'high', cooldown_minutes: 0,
        condition: { type: 'distinct', field: 'country', count: 3, window_minutes: 60, group_by: ['actor.id'] },
      })).json();
      const byCountry = (await api('POST', '/v1/alert-rules', {
        name: 'Logins by country', query: 'action:user.login actor.id:cy', severity: 'low', cooldown_minutes: 0,
        condition: { type: 'threshold', count: 2, window_minutes: 60, group_by: ['country'] },
      })).json();
      const at = new Date().toISOString();
      await send([
        { action: 'user.login', actor: { id: 'cy' }, context: { ip: '192.0.2.1' }, occurred_at: at },
        { action: 'user.login', actor: { id: 'cy' }, context: { ip: '198.51.100.1' }, occurred_at: at },
        { action: 'user.login', actor: { id: 'cy' }, context: { ip: '198.51.100.2' }, occurred_at: at },
      ]);
      assert.equal((await api('GET', `/v1/alerts?rule_id=${travel.id}`)).json().alerts.length, 0, 'two countries so far');
      const grouped = (await api('GET', `/v1/alerts?rule_id=${byCountry.id}`)).json().alerts;
      assert.deepEqual(grouped.map((a: { group: object }) => a.group), [{ country: 'FR' }]);
      await send([{ action: 'user.login', actor: { id: 'cy' }, context: { ip: '2001:db8::9' }, occurred_at: at }]);
      const [alert] = (await api('GET', `/v1/alerts?rule_id=${travel.id}`)).json().alerts;
      assert.equal(alert.count, 3);
      assert.deepEqual(alert.field, { name: 'country' });
      assert.ok((await api('GET', `/v1/alerts?rule_id=${imported.json().id}`)).json().alerts.length >= 1);
    });
  });
}

describe('the GeoIP database at start-up', () => {
  const engine = ENGINES[0]!;

  it('without one, "new location" is first-seen of context.location and events carry no geo', async () => {
    const app = await startTestApp(engine.name);
    try {
      const { key } = await app.tenantWithKey(['events:write', 'audit:read', 'alerts:manage']);
      const templates = (await app.request({ method: 'GET', url: '/v1/alert-templates', key })).json().templates as { name: string; rule: { condition: { field: string } } }[];
      assert.equal(templates.find((t) => t.name === 'new_location')!.rule.condition.field, 'location');
      const [event] = (await app.request({ method: 'POST', url: '/v1/events', key, payload: { action: 'doc.viewed', context: { ip: '192.0.2.10' } } })).json().events;
      assert.equal((await app.request({ method: 'GET', url: `/v1/events/${event.id}`, key })).json().geo, undefined);
    } finally {
      await app.close();
    }
  });

  it('refuses to start with a file it cannot use, saying which setting and why', async () => {
    const asn = join(dir, 'GeoLite2-ASN.mmdb');
    writeFileSync(asn, writeMmdb([{ cidr: '192.0.2.0/24', data: { autonomous_system_number: 64496 } }], { databaseType: 'GeoLite2-ASN' }));
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a database\n');
    const db = await openTestStore(engine.name);
    try {
      for (const [file, why] of [[join(dir, 'missing.mmdb'), /does not exist/], [text, /is not a MaxMind database/], [asn, /is a GeoLite2-ASN database, which holds no countries/]] as const) {
        const config = loadConfig({ STELE_ADMIN_TOKEN: ADMIN_TOKEN, STELE_DATA_DIR: '/nonexistent', STELE_GEOIP_DATABASE: file });
        await assert.rejects(buildApp({ config, store: db.store, signingKey: testSigningKey() }), (error: Error) => {
          assert.match(error.message, /^STELE_GEOIP_DATABASE \(/);
          assert.ok(error.message.includes(file), error.message);
          assert.match(error.message, why);
          return true;
        });
      }
    } finally {
      await db.close();
    }
  });

  it('`stele serve` with a file it cannot use says why in one line, exits 2 and has done nothing; with a good one it names the database', async () => {
    const dataDir = join(dir, 'serve-data');
    mkdirSync(dataDir);
    const refused = await runCliToEnd(['serve'], { STELE_DATA_DIR: dataDir, PORT: '0', STELE_GEOIP_DATABASE: join(dir, 'missing.mmdb') });
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(refused.stderr.trim(), `stele: STELE_GEOIP_DATABASE (${join(dir, 'missing.mmdb')}) does not exist`);
    assert.equal(existsSync(join(dataDir, 'stele.db')), false, 'the store was not even opened');
    const server = await startServerProcess({ STELE_DATA_DIR: dataDir, STELE_GEOIP_DATABASE: DATABASE });
    try {
      assert.match(server.output(), /GeoIP: GeoLite2-Country built \d{4}-\d\d-\d\d \(.*GeoLite2-Country\.mmdb\): events get geo\.country from context\.ip/);
    } finally {
      await server.stop();
    }
  });
});
