// Dialect-neutral SQL fragments with `?` placeholders. Every user value travels as a parameter;
// adapters rewrite placeholders for their driver. Fragments never contain string literals, so a
// `?` in the text is always a placeholder.

export type SqlParam = string | number | null | Uint8Array;

export interface Sql {
  readonly text: string;
  readonly params: readonly SqlParam[];
}

export const sql = (text: string, params: readonly SqlParam[] = []): Sql => ({ text, params });

export const TRUE: Sql = sql('1 = 1');
export const FALSE: Sql = sql('1 = 0');

function join(parts: readonly Sql[], operator: 'AND' | 'OR'): Sql {
  if (parts.length === 1) return parts[0]!;
  return sql(
    parts.map((p) => `(${p.text})`).join(` ${operator} `),
    parts.flatMap((p) => p.params),
  );
}

export const and = (parts: readonly Sql[]): Sql => (parts.length === 0 ? TRUE : join(parts, 'AND'));
export const or = (parts: readonly Sql[]): Sql => (parts.length === 0 ? FALSE : join(parts, 'OR'));
export const not = (part: Sql): Sql => sql(`NOT (${part.text})`, part.params);

/** `column = value`. The column name must come from code, never from input. */
export const eq = (column: string, value: SqlParam): Sql =>
  value === null ? sql(`${column} IS NULL`) : sql(`${column} = ?`, [value]);

export const inList = (column: string, values: readonly SqlParam[]): Sql =>
  values.length === 1 ? eq(column, values[0]!) : sql(`${column} IN (${values.map(() => '?').join(', ')})`, values);

export const compare = (column: string, operator: '<' | '<=' | '>' | '>=', value: SqlParam): Sql =>
  sql(`${column} ${operator} ?`, [value]);

/**
 * `column` starts with `prefix`, as a half-open range so both engines use the index (columns are
 * stored with binary collation). The upper bound is the prefix with its last code unit bumped.
 */
export function startsWith(column: string, prefix: string): Sql {
  if (prefix === '') return sql(`${column} IS NOT NULL`);
  const last = prefix.charCodeAt(prefix.length - 1);
  if (last >= 0xffff) return sql(`${column} >= ?`, [prefix]);
  const upper = prefix.slice(0, -1) + String.fromCharCode(last + 1);
  return sql(`${column} >= ? AND ${column} < ?`, [prefix, upper]);
}
