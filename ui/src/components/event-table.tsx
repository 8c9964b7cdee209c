// The events of one page. Column widths are fixed (table-layout: fixed) and the previous page
// stays on screen while the next loads, so paging does not shift the layout. Times are to the
// second in UTC; hovering one shows its milliseconds and the reader's own time zone. Given
// `onFilter`, an actor, action, target or ip in a row is a button that filters by it.

import { Fragment, useState } from 'react';
import { timeDetail, utcSecondsShort } from '../lib/time';
import type { StoredEvent } from '../lib/types';
import { EventPanel } from './event-panel';

export type RowFilter = 'actor' | 'action' | 'target' | 'ip';

function actorOf(event: StoredEvent): string {
  const actor = event.actor;
  return actor?.email ?? actor?.name ?? actor?.id ?? '—';
}

/** user, API key, service (system, server), the instance admin, or other: what kind of actor, at a glance. */
export function actorKind(type: string | undefined): { mark: string; label: string; className: string } {
  const t = (type ?? '').toLowerCase();
  if (t === 'user' || t === 'person' || t === 'member') return { mark: 'user', label: 'user', className: 'user' };
  if (t === 'admin') return { mark: 'admin', label: 'instance admin', className: 'service' };
  if (t.includes('key') || t === 'token' || t === 'viewer_token') return { mark: 'key', label: 'API key', className: 'key' };
  if (t === 'system' || t === 'service' || t === 'server' || t === 'job' || t === 'bot' || t === 'machine') return { mark: 'svc', label: 'service', className: 'service' };
  return { mark: '?', label: type ? type : 'unknown actor type', className: 'other' };
}

function targetLabel(event: StoredEvent): string {
  const target = event.target;
  if (!target) return '—';
  const text = target.name ?? target.slug ?? target.id ?? target.type ?? '—';
  return target.type && text !== target.type ? `${target.type}: ${text}` : text;
}

function Success({ value }: { value: boolean | undefined }) {
  if (value === undefined) return <span className="muted">—</span>;
  return value ? <span className="badge ok">✓ success</span> : <span className="badge fail">✗ failure</span>;
}

/** A cell value that filters the view when clicked (a button), or plain text without onFilter. */
function Filterable({ value, shown, field, onFilter, className }: { value: string | undefined; shown: string; field: RowFilter; onFilter?: (field: RowFilter, value: string) => void; className?: string }) {
  if (!onFilter || !value) return <span className={className}>{shown}</span>;
  return (
    <button type="button" className={`cell-filter ${className ?? ''}`} title={`Show only ${field} ${value}`} onClick={() => onFilter(field, value)}>{shown}</button>
  );
}

/** Who removed a tombstone's content, as a short label. */
const removerOf = (event: StoredEvent): string => event.deleted_by?.email ?? event.deleted_by?.name ?? event.deleted_by?.id ?? 'unknown';

/** A tombstone's row: it reads as deleted (purged, erased), with who and why, and no content. */
function TombstoneRow({ event }: { event: StoredEvent }) {
  const kind = event.forgotten!.kind;
  const why = event.reason ? `${kind} by ${removerOf(event)}: ${event.reason}` : `${kind} (seq ${event.seq})`;
  return (
    <tr className="row tombstone" data-event-id={event.id}>
      <td />
      <td><time dateTime={event.occurred_at} title={timeDetail(event.occurred_at)}>{utcSecondsShort(event.occurred_at)}</time></td>
      <td className="muted">—</td>
      <td><span className="badge muted-badge">{kind}</span></td>
      <td colSpan={3} className="ellipsis muted" title={`${why}${event.deleted_at ? ` at ${event.deleted_at}` : ''}`}>{why}</td>
    </tr>
  );
}

export interface EventTableProps {
  events: StoredEvent[];
  busy: boolean;
  caption: string;
  onFilter?: (field: RowFilter, value: string) => void;
}

export function EventTable({ events, busy, caption, onFilter }: EventTableProps) {
  const [open, setOpen] = useState<string | undefined>();
  return (
    <div className="table-scroll">
      <table className="events" aria-busy={busy}>
        <caption className="visually-hidden">{caption}</caption>
        <colgroup>
          <col className="c-expand" /><col className="c-time" /><col className="c-actor" /><col className="c-action" />
          <col className="c-target" /><col className="c-ip" /><col className="c-success" />
        </colgroup>
        <thead>
          <tr>
            <th scope="col"><span className="visually-hidden">Details</span></th>
            <th scope="col">Occurred at (UTC)</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">IP</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => {
            if (event.forgotten) return <TombstoneRow key={event.id} event={event} />;
            const expanded = open === event.id;
            const detailsId = `details-${event.id}`;
            const kind = actorKind(event.actor?.type);
            const actorValue = event.actor?.id ?? event.actor?.email;
            const url = event.target?.url;
            return (
              <Fragment key={event.id}>
                <tr className={expanded ? 'row expanded' : 'row'} data-event-id={event.id}>
                  <td>
                    <button
                      type="button" className="expand" aria-expanded={expanded} aria-controls={expanded ? detailsId : undefined}
                      aria-label={`${expanded ? 'Hide' : 'Show'} details of ${event.action} at ${utcSecondsShort(event.occurred_at)} UTC`}
                      onClick={() => setOpen(expanded ? undefined : event.id)}
                    >{expanded ? '▾' : '▸'}</button>
                  </td>
                  <td><time dateTime={event.occurred_at} title={timeDetail(event.occurred_at)}>{utcSecondsShort(event.occurred_at)}</time></td>
                  <td className="ellipsis" title={`${kind.label}: ${actorOf(event)}`}>
                    <span className={`actor-kind ${kind.className}`} role="img" aria-label={kind.label}>{kind.mark}</span>{' '}
                    <Filterable value={actorValue} shown={actorOf(event)} field="actor" onFilter={onFilter} />
                  </td>
                  <td className="ellipsis mono" title={event.action}><Filterable value={event.action} shown={event.action} field="action" onFilter={onFilter} /></td>
                  <td className="ellipsis" title={targetLabel(event)}>
                    <Filterable value={event.target?.id ?? event.target?.name} shown={targetLabel(event)} field="target" onFilter={onFilter} />
                    {/* Only http(s) URLs become links: a javascript: URL in an event must never run. */}
                    {url && /^https?:\/\//i.test(url) && <> <a className="open-target" href={url} target="_blank" rel="noopener noreferrer nofollow" aria-label={`Open ${targetLabel(event)}`}>↗</a></>}
                  </td>
                  <td className="ellipsis mono"><Filterable value={event.context?.ip} shown={event.context?.ip ?? '—'} field="ip" onFilter={onFilter} /></td>
                  <td><Success value={event.success} /></td>
                </tr>
                {expanded && (
                  <tr className="details-row">
                    <td colSpan={7} id={detailsId}><EventPanel event={event} /></td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
