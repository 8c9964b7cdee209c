// The parsed form of a search query. Plain, JSON-friendly data: the parser has already resolved
// field names and checked every value, so the compiler and the reference evaluator never fail.

import type { GlobPart } from '../../sql/regex.js';
import type { EventTextColumn } from '../../store/event-columns.js';

export type Comparator = '=' | '<' | '<=' | '>' | '>=';

/**
 * How a text value is matched, always case-sensitively against the whole stored value:
 * `exact` equality, `prefix` (`login.*`; an empty prefix means "has a value"), or `pattern`,
 * where `*` stands for any run of characters between the segments (`user.*.created`).
 */
export type TextMatch =
  | { readonly kind: 'exact'; readonly value: string }
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'pattern'; readonly segments: readonly string[] }
  /** With `?` (one character) among the wildcards: `user.?` , `10.0.?.*`. */
  | { readonly kind: 'glob'; readonly parts: readonly GlobPart[] }
  /** `field:~"regex"`: contains a match of the canonical pattern (query/search/regex.ts). */
  | { readonly kind: 'regex'; readonly source: string };

/** A point in time: an absolute period [start, end) in ms, or `now` plus an offset resolved at compile time. */
export type TimeValue =
  | { readonly kind: 'absolute'; readonly start: number; readonly end: number }
  | { readonly kind: 'relative'; readonly offsetMs: number };

export type Test =
  /** One text field; `actor` looks in two columns and matches if either does. */
  | { readonly type: 'text'; readonly field: string; readonly columns: readonly EventTextColumn[]; readonly match: TextMatch }
  /** A scalar inside `details` at a path of object keys. */
  | { readonly type: 'details'; readonly path: readonly string[]; readonly match: TextMatch }
  /** A JSON integer inside `details` compared with a whole number (`details.rows:>1000`); other values never match. */
  | { readonly type: 'details_number'; readonly path: readonly string[]; readonly op: Comparator; readonly value: number }
  /** A word without a field: a prefix match on action, actor id/email/name and target id/name. */
  | { readonly type: 'bare'; readonly columns: readonly EventTextColumn[]; readonly match: TextMatch }
  | { readonly type: 'integer'; readonly field: 'seq' | 'http_status'; readonly op: Comparator; readonly value: number }
  | { readonly type: 'time'; readonly field: 'time'; readonly op: Comparator; readonly value: TimeValue }
  /** An address (low = high) or a CIDR block, as inclusive 16-byte bounds in hex. */
  | { readonly type: 'ip'; readonly field: 'ip'; readonly low: string; readonly high: string }
  | { readonly type: 'boolean'; readonly field: 'success'; readonly value: boolean }
  /** `field:*` on a field that is not text: the event has a value for it. */
  | { readonly type: 'exists'; readonly field: 'seq' | 'http_status' | 'time' | 'ip' | 'success' };

export type Ast =
  | { readonly kind: 'and'; readonly children: readonly Ast[] }
  | { readonly kind: 'or'; readonly children: readonly Ast[] }
  | { readonly kind: 'not'; readonly child: Ast }
  /** position: the 1-based column where the term starts in the query text. */
  | { readonly kind: 'term'; readonly position: number; readonly test: Test };

/** The query that matches everything (an empty or blank `q`). */
export const MATCH_ALL: Ast = { kind: 'and', children: [] };
