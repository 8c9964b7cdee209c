// The text of one aggregation (port.ts EventAggregation) as a single statement with `?`
// placeholders, the same for both engines: keys and measures in the select list, grouped and
// ordered by their positions (so no expression, and none of its parameters, is written twice).

import type { AggregateRow, EventAggregation } from './port.js';
import type { SqlParam } from '../sql/fragments.js';

export interface AggregateStatement {
  text: string;
  /** The parameters in placeholder order, the tenant id among them. */
  params: SqlParam[];
  /** Answer columns [measureFrom, labelFrom) are measures, to be read as numbers. */
  measureFrom: number;
  labelFrom: number;
  /**
   * `forKeys` read as one GROUP BY ('grouped'): the groups asked for, in their order. The answer
   * then holds the groups that matched and one more row, all of its keys null, of the measures
   * over nothing (for the groups without a match); aggregateAnswer puts it in the groups' order.
   */
  groups?: readonly (readonly string[])[];
}

/**
 * How an engine reads `forKeys` best. 'correlated' (PostgreSQL, when `eachGroup` says the keys
 * lead an index): a LATERAL subquery per group, which only the key's index serves well, whatever the
 * planner's statistics say (an IN list over a window newer than PostgreSQL's statistics is read
 * through the time index instead: the whole window). 'grouped' (SQLite always, PostgreSQL for
 * keys no index leads with): one GROUP BY over the window restricted to the groups, SQLite's
 * planner choosing the most selective index itself (there, a correlated subquery per group and
 * measure read each group's whole range of the key's index: 50 ms a pass where the GROUP BY took 0.3).
 */
export type GroupsPlan = 'correlated' | 'grouped';

export function aggregateStatement(tenantId: string, aggregation: EventAggregation, groupsPlan: GroupsPlan = 'grouped'): AggregateStatement {
  const { keys, measures, where } = aggregation;
  if (keys.length + measures.length === 0) throw new Error('an aggregation needs at least one key or measure');
  if (aggregation.forKeys) {
    checkForKeys(aggregation, aggregation.forKeys);
    return groupsPlan === 'correlated' ? perGroupStatement(tenantId, aggregation, aggregation.forKeys) : groupedStatement(tenantId, aggregation, aggregation.forKeys);
  }
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

function checkForKeys(aggregation: EventAggregation, groups: readonly (readonly string[])[]): void {
  const { keys } = aggregation;
  if (keys.length === 0) throw new Error('forKeys needs at least one key');
  if (aggregation.measures.length === 0) throw new Error('forKeys needs at least one measure');
  if (aggregation.labels?.length || aggregation.orderBy?.length || aggregation.limit !== undefined) throw new Error('forKeys does not take labels, orderBy or limit');
  if (groups.length === 0) throw new Error('forKeys needs at least one group');
  for (const values of groups) {
    if (values.length !== keys.length) throw new Error(`a group of forKeys has ${values.length} values for ${keys.length} keys`);
  }
}

/**
 * `forKeys`: the groups as a VALUES list (both engines name its columns column1, column2 …), the
 * measures one LATERAL subquery per group, correlated with it by equality on every key (an
 * aggregate without GROUP BY answers one row, so a group without a match counts 0). A plain join
 * of the list with the events, or an IN list, leaves the planner free to read the window through
 * the time index and filter, which it does when its statistics predate the window (always, on a
 * live log's tail); a subquery per group can only be served well by the key's index, and one for
 * all the measures reads the group's range once, not once per measure.
 */
function perGroupStatement(tenantId: string, aggregation: EventAggregation, groups: readonly (readonly string[])[]): AggregateStatement {
  const { keys, measures, where } = aggregation;
  const params: SqlParam[] = [];
  const rows = groups.map((values) => {
    params.push(...values);
    return `(${values.map(() => '?').join(', ')})`;
  });
  params.push(...measures.flatMap((measure) => measure.params), tenantId, ...keys.flatMap((key) => key.params), ...where.params);
  const matching = keys.map((key, i) => `(${key.text}) = g.column${i + 1}`).join(' AND ');
  const perGroup = `SELECT ${measures.map((measure, i) => `${measure.text} AS m${i}`).join(', ')} FROM events WHERE tenant_id = ? AND ${matching} AND (${where.text})`;
  const select = [...keys.map((_, i) => `g.column${i + 1} AS c${i}`), ...measures.map((_, i) => `m.m${i} AS c${keys.length + i}`)];
  return {
    text: `SELECT ${select.join(', ')} FROM (VALUES ${rows.join(', ')}) AS g CROSS JOIN LATERAL (${perGroup}) AS m`,
    params, measureFrom: keys.length, labelFrom: keys.length + measures.length,
  };
}

/** `forKeys` as one GROUP BY over the matches whose keys are one of the groups' (see GroupsPlan). */
function groupedStatement(tenantId: string, aggregation: EventAggregation, groups: readonly (readonly string[])[]): AggregateStatement {
  const { keys, measures } = aggregation;
  const oneOf = keys.length === 1
    ? { text: `(${keys[0]!.text}) IN (${groups.map(() => '?').join(', ')})`, params: [...keys[0]!.params, ...groups.map((values) => values[0]!)] }
    : {
      text: groups.map(() => `(${keys.map((key) => `(${key.text}) = ?`).join(' AND ')})`).join(' OR '),
      params: groups.flatMap((values) => keys.flatMap((key, i) => [...key.params, values[i]!])),
    };
  const where = { text: `(${aggregation.where.text}) AND (${oneOf.text})`, params: [...aggregation.where.params, ...oneOf.params] };
  const statement = aggregateStatement(tenantId, { keys, measures, where });
  // An aggregate without GROUP BY over no rows answers one row: the measures over nothing.
  const empty = `SELECT ${[...keys.map(() => 'NULL'), ...measures.map((measure) => measure.text)].join(', ')} FROM events WHERE 0 = 1`;
  return { ...statement, text: `${statement.text} UNION ALL ${empty}`, params: [...statement.params, ...measures.flatMap((measure) => measure.params)], groups };
}

/**
 * An aggregation's answer as the port promises it: measures as numbers, and for a 'grouped'
 * `forKeys` statement one row per group asked for, in that order, a group without a match
 * answering with the measures over nothing (the row whose keys are all null).
 */
export function aggregateAnswer(rows: readonly unknown[][], statement: AggregateStatement): AggregateRow[] {
  const answer = rows.map((row) => numericMeasures(row, statement));
  const groups = statement.groups;
  if (!groups) return answer;
  const width = statement.measureFrom;
  const keyOf = (values: readonly unknown[]) => JSON.stringify(values.map((value) => (value === null ? null : String(value))));
  const isEmpty = (row: AggregateRow) => row.slice(0, width).every((value) => value === null);
  const empty = answer.find(isEmpty)!.slice(width);
  const found = new Map(answer.filter((row) => !isEmpty(row)).map((row) => [keyOf(row.slice(0, width)), row]));
  return groups.map((values) => found.get(keyOf(values)) ?? [...values, ...empty]);
}

/** Measures as numbers: PostgreSQL answers sums of bigint as numeric text. */
export function numericMeasures(row: unknown[], statement: Pick<AggregateStatement, 'measureFrom' | 'labelFrom'>): (string | number | null)[] {
  return row.map((value, i) => {
    if (value === null || value === undefined) return null;
    if ((i >= statement.measureFrom && i < statement.labelFrom) || typeof value === 'bigint') return Number(value);
    return value as string | number;
  });
}
