import assert from 'node:assert/strict';
import { isIPv4 } from 'node:net';
import { describe, it } from 'node:test';
import { ipToBytes } from './ip.js';

/** The mapped form written out the long way: ::ffff: and the four parts. */
const mapped = (ip: string) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...ip.split('.').map(Number)]);

describe('ipToBytes', () => {
  it('maps IPv4 into IPv6 and reads IPv6 as it is written', () => {
    assert.deepEqual(ipToBytes('192.0.2.1'), mapped('192.0.2.1'));
    assert.deepEqual(ipToBytes('0.0.0.0'), mapped('0.0.0.0'));
    assert.deepEqual(ipToBytes('255.255.255.255'), mapped('255.255.255.255'));
    assert.deepEqual(ipToBytes('::ffff:192.0.2.1'), mapped('192.0.2.1'));
    assert.deepEqual(ipToBytes('2001:db8::1'), Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]));
  });

  it('accepts exactly the dotted quads node:net accepts', () => {
    const near = ['1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '00.0.0.0', '256.1.1.1', '1.2.3.256', '1..2.3', '.1.2.3', '1.2.3.',
      ' 1.2.3.4', '1.2.3.4 ', '+1.2.3.4', '1e1.2.3.4', '0x1.2.3.4', '١.2.3.4', '1.2.3.4/8', '', '.', '...', '999.9.9.9', '25.255.2550.1'];
    for (const ip of near) assert.equal(ipToBytes(ip) !== undefined, isIPv4(ip), ip);
    // Random texts over the characters a dotted quad is made of, and random parts joined by dots
    // (3 to 5 of them, from 0 to 299, some with a leading zero, some empty).
    const alphabet = '0123456789.';
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
    const below = (n: number) => Math.floor(random() * n);
    const part = () => (below(20) === 0 ? '' : `${below(10) === 0 ? '0' : ''}${below(300)}`);
    let accepted = 0;
    for (let n = 0; n < 50_000; n++) {
      let ip = '';
      if (n % 2 === 0) for (let i = 0, length = 1 + below(16); i < length; i++) ip += alphabet[below(alphabet.length)];
      else ip = Array.from({ length: 3 + below(3) }, part).join('.');
      const bytes = ipToBytes(ip);
      if (bytes) accepted += 1;
      assert.equal(bytes !== undefined, isIPv4(ip), ip);
      if (bytes) assert.deepEqual(bytes, mapped(ip), ip);
    }
    assert.ok(accepted > 1_000, `${accepted} accepted: the texts reach both answers`);
  });
});
