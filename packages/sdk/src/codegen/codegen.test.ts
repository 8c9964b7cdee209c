import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventTypesModule } from './event-types-module.js';
import { typeOf } from './json-schema-to-ts.js';
import { camelCase, helperPath, pascalCase } from './names.js';

describe('TypeScript from JSON Schema', () => {
  it('writes types, literals, unions, arrays and objects with their required members', () => {
    assert.equal(typeOf({ type: 'string' }), 'string');
    assert.equal(typeOf({ type: ['string', 'null'] }), 'string | null');
    assert.equal(typeOf({ enum: ['a', 1, null] }), '"a" | 1 | null');
    assert.equal(typeOf({ const: 'x' }), '"x"');
    assert.equal(typeOf({ type: 'array', items: { type: 'integer' } }), 'number[]');
    assert.equal(typeOf({ anyOf: [{ type: 'string' }, { type: 'array', items: { enum: ['a', 'b'] } }] }), 'string | (("a" | "b")[])');
    assert.equal(typeOf({ type: 'object', required: ['a'], properties: { a: { type: 'number' }, 'b-c': { type: 'boolean', description: 'B */ C' } }, additionalProperties: false }),
      '{\n  a: number;\n  /** B *\\/ C */\n  "b-c"?: boolean;\n}');
    assert.equal(typeOf({ properties: { a: {} } }), '{\n  a?: unknown;\n  [key: string]: unknown;\n}');
    assert.equal(typeOf({ $ref: '#/definitions/x' }), 'unknown');
    assert.equal(typeOf(false), 'never');
  });

  it('names helpers after the action', () => {
    assert.deepEqual(helperPath('member.role_changed'), ['member', 'roleChanged']);
    assert.deepEqual(helperPath('RuleCreated'), [undefined, 'ruleCreated']);
    assert.deepEqual(helperPath('billing.invoice.paid'), ['billing', 'invoicePaid']);
    assert.equal(camelCase('2fa.enabled'), '_2faEnabled');
    assert.equal(pascalCase('login.failed'), 'LoginFailed');
  });

  it('writes nothing the server sent as code: names are quoted or camel-cased', () => {
    const text = eventTypesModule([{ action: 'x.y"); process.exit(1); ("', description: '*/ evil' }], 'a test');
    assert.ok(!text.includes('process.exit(1); ("\''));
    assert.match(text, /"x\.y\\"\); process\.exit\(1\); \(\\""/);
    assert.match(text, /\*\\\/ evil/);
  });
});
