import { describe } from 'node:test';
import { runStoreContract } from './contract/store-contract.js';
import { ENGINES, openTestStore } from './testing/test-stores.js';

for (const engine of ENGINES) {
  describe(`${engine.name} store`, { skip: engine.skip }, () => runStoreContract(() => openTestStore(engine.name)));
}
