// @stele/sdk/codegen: TypeScript from event types, for `stele sdk types` and the SDK's own build.
export { eventTypesModule, type EventTypeDescription } from './event-types-module.js';
export { seedTaxonomyModule, type SeedAction, type SeedTaxonomy } from './seed-taxonomy-module.js';
export { typeOf } from './json-schema-to-ts.js';
export { camelCase, helperPath, pascalCase } from './names.js';
