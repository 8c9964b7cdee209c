// The text of one aggregation (port.ts EventAggregation) as a single statement with `?`
// placeholders, the same for both engines: keys and measures in the select list, grouped and
// ordered by their positions (so no expression, and none of its parameters, is written twice).

import type { EventAggregation } from './port.js';
import type { SqlParam } from '../sql/fragments.js';

export interface AggregateStatement {
  text: string;
  /** The parameters in placeholder order, the tenant id among them. */
  params: SqlParam[];
  /** Answer columns [measureFrom, labelFrom) are measures, to be read as numbers. */
  measureFrom: number;
  labelFrom: number;
}

export function aggregateStatement(tenantId: string, aggregation: EventAggregation): AggregateStatement {
  const { keys, measures, where } = aggregation;
  if (keys.length + measures.length === 0) throw new Error('an aggregation needs at least one key or measure');
  if (aggregation.forKeys) return perGroupStatement(tenantId, aggregation, aggregation.forKeys);
  const select = [...keys, ...measures, ...(aggregation.labels ?? [])];
  const params: SqlParam[] = select.flatMap((part) => part.params);
  let text = `SELECT ${select.map((part, i) => `${part.text} AS c${i}`).join(', ')} FROM events WHERE tenant_id = ? AND (${where.text})`;
  params.push(tenantId, ...where.params);
  if (keys.length > 0) text += ` GROUP BY ${keys.map((_, i) => i + 1).join(', ')}`;
  const order = aggregation.orderBy ?? [];
  for (const { column } of order) {
    if (!Number.isInteger(column) || column < 0 || column >= select.length) throw new Error(`no answer column ${column} to order by`);
  }
  if (order.length > 0) text += ` ORDER BY ${order.map(({ column, direction }) => `${column + 1} ${direction === 'desc' ? 'DESC' : 'ASC'}`).join(', ')}`;
  if (aggregation.limit !== undefined) {
    text += ' LIMIT ?';
    params.push(aggregation.limit);
  }
  return { text, params, measureFrom: keys.length, labelFrom: keys.length + measures.length };
}

/**
 * `forKeys`: the groups as a VALUES list (both engines name its columns column1, column2 …), each
 * measure a subquery correlated with the group by equality on every key. A plain join of the
 * list with the events, or an IN list, leaves the planner free to read the window through the
 * time index and filter, which it does when its statistics predate the window (always, on a live
 * log's tail); a subquery per group can only be served well by the key's index.
 */
function perGroupStatement(tenantId: string, aggregation: EventAggregation, groups: readonly (readonly string[])[]): AggregateStatement {
  const { keys, measures, where } = aggregation;
  if (keys.length === 0) throw new Error('forKeys needs at least one key');
  if (aggregation.labels?.length || aggregation.orderBy?.length || aggregation.limit !== undefined) throw new Error('forKeys does not take labels, orderBy or limit');
  if (groups.length === 0) throw new Error('forKeys needs at least one group');
  const params: SqlParam[] = [];
  const matching = keys.map((key, i) => `(${key.text}) = g.column${i + 1}`).join(' AND ');
  const select = [
    ...keys.map((_, i) => `g.column${i + 1} AS c${i}`),
    ...measures.map((measure, i) => {
      params.push(...measure.params, tenantId, ...keys.flatMap((key) => key.params), ...where.params);
      return `(SELECT ${measure.text} FROM events WHERE tenant_id = ? AND ${matching} AND (${where.text})) AS c${keys.length + i}`;
    }),
  ];
  const rows = groups.map((values) => {
    if (values.length !== keys.length) throw new Error(`a group of forKeys has ${values.length} values for ${keys.length} keys`);
    params.push(...values);
    return `(${values.map(() => '?').join(', ')})`;
  });
  return { text: `SELECT ${select.join(', ')} FROM (VALUES ${rows.join(', ')}) AS g`, params, measureFrom: keys.length, labelFrom: keys.length + measures.length };
}

/** Measures as numbers: PostgreSQL answers sums of bigint as numeric text. */
export function numericMeasures(row: unknown[], statement: Pick<AggregateStatement, 'measureFrom' | 'labelFrom'>): (string | number | null)[] {
  return row.map((value, i) => {
    if (value === null || value === undefined) return null;
    if ((i >= statement.measureFrom && i < statement.labelFrom) || typeof value === 'bigint') return Number(value);
    return value as string | number;
  });
}
