import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openGeoIp } from './geoip.js';
import { countryRecord, writeMmdb } from './testing/mmdb-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'stele-geoip-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const NETWORKS = [
  { cidr: '192.0.2.0/24', data: countryRecord('DE', 'Germany') },
  { cidr: '198.51.100.0/24', data: countryRecord('FR', 'France') },
  { cidr: '198.51.100.128/25', data: countryRecord('BE', 'Belgium') },
  { cidr: '2001:db8::/32', data: countryRecord('JP', 'Japan') },
];

describe('GeoIP country lookups from a MaxMind database', () => {
  it('reads the country of addresses in mapped networks, a more specific network first, and nothing elsewhere', async () => {
    for (const databaseType of ['GeoLite2-Country', 'GeoIP2-City']) {
      const geo = await openGeoIp(file(`${databaseType}.mmdb`, writeMmdb(NETWORKS, { databaseType })));
      assert.equal(geo.countryOf('192.0.2.77'), 'DE');
      assert.equal(geo.countryOf('::ffff:192.0.2.77'), 'DE', 'IPv4 written as IPv6');
      assert.equal(geo.countryOf('198.51.100.3'), 'FR');
      assert.equal(geo.countryOf('198.51.100.200'), 'BE');
      assert.equal(geo.countryOf('2001:db8::1'), 'JP');
      assert.equal(geo.countryOf('203.0.113.1'), undefined);
      assert.equal(geo.countryOf('2001:db9::1'), undefined);
      assert.equal(geo.countryOf('not an address'), undefined);
      assert.match(geo.description, new RegExp(`^${databaseType} built \\d{4}-\\d\\d-\\d\\d$`));
    }
  });

  it('answers IPv4 only from an IPv4 database', async () => {
    const geo = await openGeoIp(file('v4.mmdb', writeMmdb([{ cidr: '192.0.2.0/24', data: countryRecord('DE') }], { databaseType: 'GeoLite2-Country', ipVersion: 4 })));
    assert.equal(geo.countryOf('192.0.2.1'), 'DE');
    assert.equal(geo.countryOf('2001:db8::1'), undefined);
  });

  it('refuses a missing file, a directory, a file that is not a MaxMind database and a database without countries, naming the setting', async () => {
    await assert.rejects(openGeoIp(join(dir, 'missing.mmdb')), /^Error: STELE_GEOIP_DATABASE \(.*missing\.mmdb\) does not exist$/);
    await assert.rejects(openGeoIp(dir), /STELE_GEOIP_DATABASE .* is a directory/);
    await assert.rejects(openGeoIp(file('text.mmdb', 'hello, I am not a database\n'.repeat(10))), /STELE_GEOIP_DATABASE .* is not a MaxMind database \(\.mmdb\)/);
    const asn = file('asn.mmdb', writeMmdb([{ cidr: '192.0.2.0/24', data: { autonomous_system_number: 64496, autonomous_system_organization: 'Example' } }], { databaseType: 'GeoLite2-ASN' }));
    await assert.rejects(openGeoIp(asn), /STELE_GEOIP_DATABASE .* is a GeoLite2-ASN database, which holds no countries/);
    if (process.getuid?.() !== 0) {
      const locked = file('locked.mmdb', writeMmdb(NETWORKS, { databaseType: 'GeoLite2-Country' }));
      chmodSync(locked, 0o000);
      await assert.rejects(openGeoIp(locked), /STELE_GEOIP_DATABASE .* cannot be read/);
    }
  });
});
