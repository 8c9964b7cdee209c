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

/** The 16-byte form of an IPv4 or IPv6 address (zone ids are not accepted), or undefined if it is not one. */
export function ipToBytes(ip: string): Uint8Array | undefined {
  if (isIPv4(ip)) return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...ipv4Bytes(ip)]);
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
