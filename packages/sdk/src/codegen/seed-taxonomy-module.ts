// The SDK's built-in helpers (audit.auth.loginFailed(...), audit.team.roleChanged(...)) are
// generated from the server's action registry (src/domain/seed-taxonomy.ts) by
// `npm run generate:sdk`, which writes packages/sdk/src/taxonomy/seed-taxonomy.generated.ts; a test
// checks the committed file is what the registry makes today.

import { docComment, typeOf } from './json-schema-to-ts.js';
import { pascalCase } from './names.js';

/** One action of the seed taxonomy, as the server's registry holds it. */
export interface SeedAction {
  action: string;
  category: string;
  description: string;
  /** The success the helper sets when the caller does not. */
  success?: boolean;
  /** JSON Schema of the details the action usually carries (a hint for the types; not enforced). */
  details?: Record<string, unknown>;
}

export type SeedTaxonomy = Readonly<Record<string, Readonly<Record<string, SeedAction>>>>;

export function seedTaxonomyModule(taxonomy: SeedTaxonomy, source: string): string {
  const out: string[] = [
    `// Generated from ${source} by \`npm run generate:sdk\`. Do not edit.`,
    '',
    "import type { AuditEvent } from '../event.js';",
    '',
    '/** What a helper takes: an event without its action (the helper sets it), with the action\'s details. */',
    "export type HelperEvent<Details = Record<string, unknown>> = Omit<AuditEvent, 'action' | 'details'> & { details?: Details };",
    '',
  ];
  const table: string[] = [];
  const helpers: string[] = [];
  for (const [namespace, actions] of Object.entries(taxonomy)) {
    table.push(`  ${namespace}: {`);
    helpers.push(`  ${namespace}: {`);
    for (const [method, seed] of Object.entries(actions)) {
      const details = `${pascalCase(namespace)}${pascalCase(method)}Details`;
      out.push(`${docComment(`Details of ${seed.action}.`, '')}export type ${details} = ${seed.details ? typeOf(seed.details) : 'Record<string, unknown>'};`, '');
      table.push(`    ${method}: { action: '${seed.action}'${seed.success === undefined ? '' : `, success: ${seed.success}`} },`);
      helpers.push(`${docComment(`${seed.action} (${seed.category}): ${seed.description}`, '    ')}    ${method}(event?: HelperEvent<${details}>): R;`);
    }
    table.push('  },');
    helpers.push('  },');
  }
  out.push(
    '/** Each helper\'s action, and the success it sets when the event does not say. */',
    `export const SEED_TAXONOMY = {\n${table.join('\n')}\n} as const;`,
    '',
    '/** The helpers on an audit client; R is what record() returns. */',
    `export interface SeedHelpers<R> {\n${helpers.join('\n')}\n}`,
    '',
  );
  return out.join('\n');
}
