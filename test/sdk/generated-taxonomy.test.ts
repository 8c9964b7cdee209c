// The SDK's built-in helpers are generated from the server's action registry: the committed file
// must be what `npm run generate:sdk` writes today, and each helper must record its action.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { SEED_TAXONOMY as CLIENT_TABLE } from '@stele/sdk';
import { SEED_TAXONOMY } from '../../src/domain/seed-taxonomy.js';
import { GENERATED_FILE, seedTaxonomySource } from '../../scripts/generate-sdk-taxonomy.js';

it('is what the registry generates (run `npm run generate:sdk` after changing src/domain/seed-taxonomy.ts)', () => {
  assert.equal(readFileSync(GENERATED_FILE, 'utf8'), seedTaxonomySource());
});

it('gives the client one helper per seed action, with its action and default success', () => {
  for (const [namespace, actions] of Object.entries(SEED_TAXONOMY)) {
    for (const [method, seed] of Object.entries(actions)) {
      const entry = (CLIENT_TABLE as Record<string, Record<string, { action: string; success?: boolean }>>)[namespace]?.[method];
      assert.deepEqual(entry, { action: seed.action, ...('success' in seed && { success: seed.success }) }, `${namespace}.${method}`);
    }
  }
});
