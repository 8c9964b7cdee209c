// The search language of `GET /v1/events?q=`: parse, compile to SQL, describe. See README.md.

import { describeLanguage as describe, type LanguageDescription } from './fields.js';
import { SEARCH_LIMITS } from './parser.js';

export type { Ast, Comparator, Test, TextMatch, TimeValue } from './ast.js';
export { MATCH_ALL } from './ast.js';
export { parseQuery, SEARCH_LIMITS } from './parser.js';
export { compileQuery, type CompileOptions } from './compile.js';
export type { FieldDescription, LanguageDescription } from './fields.js';

/** The fields, their types and operators, keywords and limits, for `GET /v1/events/filters`. */
export const describeLanguage = (): LanguageDescription => describe({ ...SEARCH_LIMITS });
