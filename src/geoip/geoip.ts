// The country of an IP address, from a MaxMind database file (STELE_GEOIP_DATABASE: GeoLite2 or
// GeoIP2, Country or City, read with the `maxmind` package). Opened once at start-up: a file that
// is missing, is not a MaxMind database, or holds no countries (an ASN database, say) stops the
// server then, with a message naming the setting, never at the first event. A new file is read at
// the next start.

import maxmind, { type CountryResponse, type Reader } from 'maxmind';
import { isIP } from 'node:net';

export interface GeoIp {
  /** ISO 3166-1 alpha-2 (`DE`) of the address's country; undefined when it is not an address or not in the database. */
  countryOf(ip: string): string | undefined;
  /** `GeoLite2-Country built 2026-05-01`, for the start-up banner. */
  readonly description: string;
}

/** Database types whose records carry `country.iso_code`. */
const COUNTRY_TYPES = /country|city|enterprise/i;

const ISO_CODE = /^[A-Z]{2}$/;

/** IPv4 written as IPv6 (`::ffff:192.0.2.1`) is looked up as the IPv4 address. */
const MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

export class GeoIpError extends Error {}

/** Requires a path; rejects with a GeoIpError that names STELE_GEOIP_DATABASE and the file. */
export async function openGeoIp(file: string): Promise<GeoIp> {
  const refuse = (why: string) => new GeoIpError(`STELE_GEOIP_DATABASE (${file}) ${why}`);
  let reader: Reader<CountryResponse>;
  try {
    reader = await maxmind.open<CountryResponse>(file, { cache: { max: 10_000 } });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw refuse('does not exist');
    if (code === 'EACCES' || code === 'EPERM') throw refuse('cannot be read (permission denied)');
    if (code === 'EISDIR') throw refuse('is a directory, not a .mmdb file');
    throw refuse(`is not a MaxMind database (.mmdb): ${(error as Error).message}`);
  }
  const { databaseType, ipVersion, buildEpoch, binaryFormatMajorVersion } = reader.metadata;
  if (binaryFormatMajorVersion !== 2) throw refuse(`is MaxMind DB format ${binaryFormatMajorVersion}; version 2 is read`);
  if (typeof databaseType !== 'string' || !COUNTRY_TYPES.test(databaseType)) {
    throw refuse(`is a ${String(databaseType)} database, which holds no countries: use a Country or City database (GeoLite2-Country, GeoIP2-City …)`);
  }
  return {
    description: `${databaseType} built ${buildEpoch.toISOString().slice(0, 10)}`,
    countryOf(ip: string): string | undefined {
      const address = MAPPED.exec(ip)?.[1] ?? ip;
      const version = isIP(address);
      // An IPv4-only database has no answer for IPv6 (the reader would throw).
      if (version === 0 || (version === 6 && ipVersion === 4)) return undefined;
      const code = reader.get(address)?.country?.iso_code;
      return typeof code === 'string' && ISO_CODE.test(code) ? code : undefined;
    },
  };
}
