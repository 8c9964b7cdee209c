// The search language against both stores (SQLite always, PostgreSQL when STELE_TEST_PG=1).
// The cases and the property test live in search.engines.case.test.ts.

import { describe } from 'node:test';
import { openTestStores, POSTGRES_SKIP_REASON } from '../../store/testing/test-stores.js';
import { runSearchEngineSuite } from './search.engines.case.test.js';

if (POSTGRES_SKIP_REASON) describe('search language on postgres', { skip: POSTGRES_SKIP_REASON }, () => {});
await runSearchEngineSuite(openTestStores);
