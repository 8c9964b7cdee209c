import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeLanguage, parseQuery } from './index.js';

describe('describeLanguage', () => {
  it('lists every field with an example that parses', () => {
    const language = describeLanguage();
    assert.ok(language.fields.length >= 22);
    for (const field of language.fields) {
      assert.doesNotThrow(() => parseQuery(field.example), field.name);
      assert.ok(field.operators.length > 0, field.name);
    }
    for (const example of language.examples) assert.doesNotThrow(() => parseQuery(example), example);
  });

  it('reports the limits the parser enforces', () => {
    assert.deepEqual(describeLanguage().limits, { maxLength: 2000, maxDepth: 16, maxTerms: 100 });
  });
});
