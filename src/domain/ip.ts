// IP addresses as 16 bytes (IPv4 mapped into IPv6, ::ffff:a.b.c.d), so that a CIDR block is a
// contiguous byte range that both engines can answer from an index.

import { isIPv4, isIPv6 } from 'node:net';

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map((part) => Number(part));
}

function ipv6Bytes(ip: string): number[] {
  let text = ip;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tail = ipv4Bytes(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - left.length - right.length;
  const groups = [...left, ...Array(rest === undefined ? 0 : missing).fill('0'), ...right].map((g) => parseInt(g, 16));
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/**
 * A dotted quad as isIPv4 accepts it (four decimal parts of 0-255, no leading zeros), read in one
 * pass into the mapped form; undefined for anything else. Every event's address is read twice on
 * ingest (validation, the row's ip_bin): this is a tenth of the split-and-map path's cost.
 */
function mappedIpv4(ip: string): Uint8Array | undefined {
  const bytes = new Uint8Array(16);
  bytes[10] = 0xff;
  bytes[11] = 0xff;
  let part = 12;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= ip.length; i++) {
    const code = i < ip.length ? ip.charCodeAt(i) : 46; // the end closes the last part, as a dot would
    if (code === 46) {
      if (digits === 0 || part === 16) return undefined;
      bytes[part++] = value;
      value = 0;
      digits = 0;
    } else if (code >= 48 && code <= 57) {
      if (digits === 1 && value === 0) return undefined; // a leading zero
      value = value * 10 + (code - 48);
      if (value > 255) return undefined;
      digits += 1;
    } else return undefined;
  }
  return part === 16 ? bytes : undefined;
}

/** The 16-byte form of an IPv4 or IPv6 address (zone ids are not accepted), or undefined if it is not one. */
export function ipToBytes(ip: string): Uint8Array | undefined {
  const v4 = mappedIpv4(ip);
  if (v4) return v4;
  if (isIPv6(ip) && !ip.includes('%')) return Uint8Array.from(ipv6Bytes(ip));
  return undefined;
}

/**
 * The inclusive byte range of a CIDR block (`10.0.0.0/8`, `2001:db8::/32`), or undefined when the
 * text is not a valid block. An IPv4 prefix length counts within the mapped IPv4 part.
 */
export function cidrRange(cidr: string): { low: Uint8Array; high: Uint8Array } | undefined {
  const slash = cidr.indexOf('/');
  if (slash < 0) return undefined;
  const address = cidr.slice(0, slash);
  const lengthText = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText)) return undefined;
  const base = ipToBytes(address);
  if (!base) return undefined;
  const bits = Number(lengthText) + (isIPv4(address) ? 96 : 0);
  if (bits > 128 || (isIPv4(address) && Number(lengthText) > 32)) return undefined;
  const low = Uint8Array.from(base);
  const high = Uint8Array.from(base);
  for (let bit = bits; bit < 128; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    low[byte]! &= ~mask;
    high[byte]! |= mask;
  }
  return { low, high };
}
