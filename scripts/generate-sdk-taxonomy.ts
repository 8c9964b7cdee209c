// `npm run generate:sdk`: writes the SDK's built-in helpers (packages/sdk/src/taxonomy/
// seed-taxonomy.generated.ts) from the server's action registry (src/domain/seed-taxonomy.ts).
// test/sdk/generated-taxonomy.test.ts fails when the committed file is not what this writes.

import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { seedTaxonomyModule } from '../packages/sdk/src/codegen/index.js';
import { SEED_TAXONOMY } from '../src/domain/seed-taxonomy.js';

export const GENERATED_FILE = fileURLToPath(new URL('../packages/sdk/src/taxonomy/seed-taxonomy.generated.ts', import.meta.url));

/** The text the generated file must hold. */
export const seedTaxonomySource = (): string => seedTaxonomyModule(SEED_TAXONOMY, 'the server\'s action registry (src/domain/seed-taxonomy.ts)');

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(GENERATED_FILE, seedTaxonomySource());
  process.stdout.write(`wrote ${GENERATED_FILE}\n`);
}
