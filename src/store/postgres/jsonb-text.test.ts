import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { javaScriptJson, writeJavaScriptJson } from './jsonb-text.js';

/** The rewrite of `jsonb` (quoted as a CSV cell content when quoteWidth is 2), or undefined when it hands the value over. */
function rewrite(jsonb: string, quoteWidth: 1 | 2 = 1): string | undefined {
  const text = Buffer.from(quoteWidth === 2 ? jsonb.replaceAll('"', '""') : jsonb);
  const out = Buffer.alloc(text.length);
  const end = writeJavaScriptJson(text, 0, text.length, quoteWidth, out, 0);
  if (end === -1) return undefined;
  const written = out.toString('utf8', 0, end);
  return quoteWidth === 2 ? written.replaceAll('""', '"') : written;
}

// Real PostgreSQL jsonb texts are compared with the JavaScript path in postgres-row-encodings.test.ts.
describe("rewriting jsonb's text as JavaScript writes it", () => {
  const same = [
    ['{"a": 1, "b": [1, 2.5, -3, true, false, null], "c": {"d": {}, "e": []}}', '{"a":1,"b":[1,2.5,-3,true,false,null],"c":{"d":{},"e":[]}}'],
    ['{"s": "x, \\"y\\": z", "t": "\\\\", "u": "\\n\\t\\u0001 é 🚀", "v": "2024-01-01", "w": "01: "}', '{"s":"x, \\"y\\": z","t":"\\\\","u":"\\n\\t\\u0001 é 🚀","v":"2024-01-01","w":"01: "}'],
    ['{"n": 123456789012345, "f": 0.1234567890123, "g": 0.000001, "h": -0.5, "i": 0}', '{"n":123456789012345,"f":0.1234567890123,"g":0.000001,"h":-0.5,"i":0}'],
    ['{"a\\"b": {"c d": [" ", ", ", ": "]}}', '{"a\\"b":{"c d":[" ",", ",": "]}}'],
  ];

  for (const quoteWidth of [1, 2] as const) {
    it(`drops the spaces jsonb writes, and nothing else (quote width ${quoteWidth})`, () => {
      for (const [jsonb, js] of same) {
        assert.equal(rewrite(jsonb!, quoteWidth), js);
        assert.equal(js, javaScriptJson(jsonb!));
      }
    });
  }

  it('hands over the values JavaScript reads differently, and JSON.parse/stringify write them', () => {
    const differ = [
      ['{"b": 1, "10": 2}', '{"10":2,"b":1}'],
      ['{"a": {"z": 1, "7": 2}}', '{"a":{"7":2,"z":1}}'],
      ['{"big": 1000000000000000000000}', '{"big":1e+21}'],
      ['{"tiny": 0.0000001}', '{"tiny":1e-7}'],
      ['{"long": 0.30000000000000004}', '{"long":0.30000000000000004}'],
      ['{"zero": 1.50}', '{"zero":1.5}'],
      ['[1, 2]', '[1,2]'],
      ['"text"', '"text"'],
    ];
    for (const [jsonb, js] of differ) {
      assert.equal(rewrite(jsonb!), undefined, jsonb);
      assert.equal(javaScriptJson(jsonb!), js);
    }
  });
});
