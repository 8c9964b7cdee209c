// An event, expanded: who (actor), to what (target), from where (context), then what changed
// (details, with from_*/to_* and before/after pairs shown as a change), with the raw JSON one
// click away.

import { useState } from 'react';
import { timeDetail } from '../lib/time';
import type { StoredEvent } from '../lib/types';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** The details split into changes (`role: viewer → editor`) and the other fields. */
export function changesOf(details: Record<string, unknown> | undefined): { changes: { name: string; from: unknown; to: unknown }[]; rest: [string, unknown][] } {
  const changes: { name: string; from: unknown; to: unknown }[] = [];
  const used = new Set<string>();
  if (!details) return { changes, rest: [] };
  for (const key of Object.keys(details)) {
    if (key.startsWith('from_') && Object.hasOwn(details, `to_${key.slice(5)}`)) {
      changes.push({ name: key.slice(5), from: details[key], to: details[`to_${key.slice(5)}`] });
      used.add(key).add(`to_${key.slice(5)}`);
    }
  }
  if (Object.hasOwn(details, 'before') && Object.hasOwn(details, 'after')) {
    const before = details.before as Json;
    const after = details.after as Json;
    if (before && after && typeof before === 'object' && typeof after === 'object' && !Array.isArray(before) && !Array.isArray(after)) {
      for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
        if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes.push({ name: key, from: before[key], to: after[key] });
      }
    } else {
      changes.push({ name: 'value', from: before, to: after });
    }
    used.add('before').add('after');
  }
  return { changes, rest: Object.entries(details).filter(([key]) => !used.has(key)) };
}

function Fields({ title, fields }: { title: string; fields: [string, unknown][] }) {
  const shown = fields.filter(([, value]) => value !== undefined && value !== null && value !== '');
  if (shown.length === 0) return null;
  return (
    <section className="panel-part">
      <h3>{title}</h3>
      <dl>
        {shown.map(([name, value]) => (
          <div key={name}><dt>{name}</dt><dd>{typeof value === 'object' ? <code>{text(value)}</code> : text(value)}</dd></div>
        ))}
      </dl>
    </section>
  );
}

export function EventPanel({ event }: { event: StoredEvent }) {
  const [raw, setRaw] = useState(false);
  const { changes, rest } = changesOf(event.details);
  return (
    <div className="event-panel">
      <div className="panel-head">
        <p><strong className="mono">{event.action}</strong> <span className="muted">({event.category}) · seq {event.seq} · {timeDetail(event.occurred_at)}</span></p>
        <button type="button" onClick={() => setRaw(!raw)} aria-pressed={raw}>{raw ? 'Readable view' : 'Raw JSON'}</button>
      </div>
      {raw ? (
        <pre className="json" tabIndex={0} aria-label={`Full event ${event.id} as JSON`}>{JSON.stringify(event, null, 2)}</pre>
      ) : (
        <div className="panel-grid">
          <Fields title="Actor" fields={Object.entries(event.actor ?? {})} />
          <Fields title="Target" fields={Object.entries(event.target ?? {})} />
          <Fields title="Context" fields={Object.entries(event.context ?? {})} />
          <Fields title="Looked up by Stele" fields={Object.entries(event.geo ?? {})} />
          {changes.length > 0 && (
            <section className="panel-part changes">
              <h3>Change</h3>
              <ul>
                {changes.map((c) => (
                  <li key={c.name}><span className="mono">{c.name}</span>: <del>{text(c.from)}</del> <span aria-label="changed to">→</span> <ins>{text(c.to)}</ins></li>
                ))}
              </ul>
            </section>
          )}
          <Fields title="Details" fields={rest} />
          <Fields title="Record" fields={[['id', event.id], ['received_at', event.received_at], ['leaf_hash', (event as unknown as { leaf_hash?: string }).leaf_hash]]} />
        </div>
      )}
    </div>
  );
}
