// Test-only: a minimal MaxMind DB writer (MaxMind DB File Format Specification 2.0), so tests make
// the .mmdb files they read at run time instead of shipping a binary nobody can regenerate.
//
// The file is three parts: the search tree (one node per bit of the address, each node two 24-bit
// records, left for a 0 bit and right for a 1; a record below node_count points at a node, equal
// to node_count means "no data", above it points into the data section at record - node_count -
// 16), a 16-byte separator of zeros, the data section (control byte: type in the top three bits,
// size in the low five; types 8 and up are "extended": type 0 in the control byte and type - 7 in
// the next one), then the marker "\xAB\xCD\xEFMaxMind.com" and the metadata map.
//
// In an IPv6 tree an IPv4 network sits under ::/96, where readers look IPv4 addresses up.

import { isIPv4, isIPv6 } from 'node:net';

/** An unsigned integer of a given width (a plain number is written as uint32). */
export class MmdbUint {
  constructor(readonly bits: 16 | 32 | 64, readonly value: number | bigint) {}
}

export type MmdbValue = string | number | boolean | MmdbUint | MmdbValue[] | { [key: string]: MmdbValue };

export interface MmdbNetwork {
  /** `192.0.2.0/24`, `2001:db8::/32`. */
  cidr: string;
  data: MmdbValue;
}

export interface MmdbOptions {
  /** e.g. GeoLite2-Country, GeoIP2-City, GeoLite2-ASN. */
  databaseType: string;
  ipVersion?: 4 | 6;
  languages?: string[];
  description?: Record<string, string>;
  buildEpoch?: number;
}

const TYPE = { pointer: 1, utf8: 2, uint16: 5, uint32: 6, map: 7, uint64: 9, array: 11, boolean: 14 } as const;

function control(type: number, size: number): Buffer {
  let sizeBits: number;
  let extra: Buffer;
  if (size < 29) {
    sizeBits = size;
    extra = Buffer.alloc(0);
  } else if (size < 285) {
    sizeBits = 29;
    extra = Buffer.from([size - 29]);
  } else if (size < 65_821) {
    sizeBits = 30;
    extra = Buffer.alloc(2);
    extra.writeUInt16BE(size - 285);
  } else {
    sizeBits = 31;
    extra = Buffer.alloc(3);
    extra.writeUIntBE(size - 65_821, 0, 3);
  }
  const head = type <= 7 ? Buffer.from([(type << 5) | sizeBits]) : Buffer.from([sizeBits, type - 7]);
  return Buffer.concat([head, extra]);
}

function unsigned(value: number | bigint): Buffer {
  let n = BigInt(value);
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  return Buffer.from(bytes);
}

/** One value of the data section, written without pointers. */
export function encodeValue(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([control(TYPE.utf8, bytes.length), bytes]);
  }
  if (typeof value === 'number') return encodeValue(new MmdbUint(32, value));
  if (typeof value === 'boolean') return control(TYPE.boolean, value ? 1 : 0);
  if (value instanceof MmdbUint) {
    const bytes = unsigned(value.value);
    return Buffer.concat([control(value.bits === 16 ? TYPE.uint16 : value.bits === 32 ? TYPE.uint32 : TYPE.uint64, bytes.length), bytes]);
  }
  if (Array.isArray(value)) return Buffer.concat([control(TYPE.array, value.length), ...value.map(encodeValue)]);
  const entries = Object.entries(value);
  return Buffer.concat([control(TYPE.map, entries.length), ...entries.flatMap(([k, v]) => [encodeValue(k), encodeValue(v)])]);
}

/** The address's bits, most significant first: 32 for IPv4 in an IPv4 tree, 128 otherwise. */
function addressBits(address: string, ipVersion: 4 | 6): number[] {
  let bytes: number[];
  if (isIPv4(address)) {
    const v4 = address.split('.').map(Number);
    bytes = ipVersion === 4 ? v4 : [...new Array<number>(12).fill(0), ...v4];
  } else if (isIPv6(address)) {
    if (ipVersion === 4) throw new Error(`${address}: an IPv4 database holds no IPv6 network`);
    const [head = '', tail = ''] = address.split('::');
    const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
    const left = groups(head);
    const right = address.includes('::') ? groups(tail) : [];
    const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
    bytes = all.flatMap((g) => [g >> 8, g & 0xff]);
  } else {
    throw new Error(`${address} is not an IP address`);
  }
  return bytes.flatMap((byte) => [7, 6, 5, 4, 3, 2, 1, 0].map((shift) => (byte >> shift) & 1));
}

type TreeRecord = { node: number } | { data: number } | null;

/** The bytes of a .mmdb file mapping each network to its data (more specific networks may sit inside larger ones). */
export function writeMmdb(networks: readonly MmdbNetwork[], options: MmdbOptions): Buffer {
  const ipVersion = options.ipVersion ?? 6;
  const nodes: [TreeRecord, TreeRecord][] = [[null, null]];
  const data: Buffer[] = [];
  const offsets = new Map<string, number>();
  let dataSize = 0;
  const dataOffset = (value: MmdbValue): number => {
    const bytes = encodeValue(value);
    const key = bytes.toString('hex');
    let offset = offsets.get(key);
    if (offset === undefined) {
      offset = dataSize;
      offsets.set(key, offset);
      data.push(bytes);
      dataSize += bytes.length;
    }
    return offset;
  };
  // Larger networks first, so a more specific one splits the record it falls in.
  const sorted = networks.map((n) => {
    const [address, prefix] = n.cidr.split('/');
    const bits = addressBits(address!, ipVersion);
    const length = Number(prefix ?? bits.length) + (ipVersion === 6 && isIPv4(address!) ? 96 : 0);
    if (!Number.isInteger(length) || length < 1 || length > bits.length) throw new Error(`${n.cidr}: bad prefix length`);
    return { bits, length, data: n.data };
  }).sort((a, b) => a.length - b.length);
  for (const network of sorted) {
    const record: TreeRecord = { data: dataOffset(network.data) };
    let node = 0;
    for (let depth = 0; depth < network.length - 1; depth++) {
      const side = network.bits[depth] as 0 | 1;
      const next = nodes[node]![side];
      if (next && 'node' in next) {
        node = next.node;
        continue;
      }
      // Empty, or a larger network's data: a new node whose both halves keep what was there.
      nodes.push([next, next]);
      nodes[node]![side] = { node: nodes.length - 1 };
      node = nodes.length - 1;
    }
    nodes[node]![network.bits[network.length - 1] as 0 | 1] = record;
  }
  const nodeCount = nodes.length;
  const value = (record: TreeRecord): number => (record === null ? nodeCount : 'node' in record ? record.node : nodeCount + 16 + record.data);
  const tree = Buffer.alloc(nodeCount * 6);
  nodes.forEach(([left, right], i) => {
    tree.writeUIntBE(value(left), i * 6, 3);
    tree.writeUIntBE(value(right), i * 6 + 3, 3);
  });
  const metadata = encodeValue({
    binary_format_major_version: new MmdbUint(16, 2),
    binary_format_minor_version: new MmdbUint(16, 0),
    build_epoch: new MmdbUint(64, BigInt(options.buildEpoch ?? 1_700_000_000)),
    database_type: options.databaseType,
    description: options.description ?? { en: `${options.databaseType} written by a Stele test` },
    ip_version: new MmdbUint(16, ipVersion),
    languages: options.languages ?? ['en'],
    node_count: new MmdbUint(32, nodeCount),
    record_size: new MmdbUint(16, 24),
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from('\xAB\xCD\xEFMaxMind.com', 'latin1'), metadata]);
}

/** A GeoLite2-Country-shaped record: `{country: {iso_code, names: {en}}}`. */
export const countryRecord = (isoCode: string, name = isoCode): MmdbValue =>
  ({ continent: { code: 'EU' }, country: { geoname_id: 1, iso_code: isoCode, names: { en: name } } });
