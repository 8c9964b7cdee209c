import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { categoryOf, isRegisteredAction } from './actions.js';
import { SEED_TAXONOMY } from './seed-taxonomy.js';

describe('the action registry', () => {
  it('gives each seed action its category', () => {
    for (const actions of Object.values(SEED_TAXONOMY)) {
      for (const seed of Object.values(actions)) {
        assert.equal(categoryOf(seed.action), seed.category, seed.action);
        assert.ok(isRegisteredAction(seed.action));
      }
    }
  });

  it('treats the names of Object\'s own members as ordinary actions', () => {
    for (const action of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
      assert.equal(typeof categoryOf(action), 'string', action);
      assert.equal(isRegisteredAction(action), false, action);
    }
    assert.equal(categoryOf('constructor'), 'custom');
  });

  it('finds a category by word for an action it does not name', () => {
    assert.equal(categoryOf('RuleCreated'), 'configuration');
    assert.equal(isRegisteredAction('RuleCreated'), false);
  });
});
