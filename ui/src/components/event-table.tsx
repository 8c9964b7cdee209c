// The events of one page. Column widths are fixed (table-layout: fixed) and the previous page
// stays on screen while the next loads, so paging does not shift the layout.

import { Fragment, useState } from 'react';
import { utcMinutes, utcSeconds } from '../lib/time';
import type { StoredEvent } from '../lib/types';

function actorOf(event: StoredEvent): string {
  const actor = event.actor;
  return actor?.email ?? actor?.name ?? actor?.id ?? '—';
}

function Target({ event }: { event: StoredEvent }) {
  const target = event.target;
  if (!target) return <>—</>;
  const text = target.name ?? target.slug ?? target.id ?? target.type ?? '—';
  const label = target.type && text !== target.type ? `${target.type}: ${text}` : text;
  // Only http(s) URLs become links: a javascript: URL in an event must never run.
  if (target.url && /^https?:\/\//i.test(target.url)) {
    return <a href={target.url} target="_blank" rel="noopener noreferrer nofollow">{label}</a>;
  }
  return <>{label}</>;
}

function Success({ value }: { value: boolean | undefined }) {
  if (value === undefined) return <span className="muted">—</span>;
  return value ? <span className="badge ok">✓ success</span> : <span className="badge fail">✗ failure</span>;
}

export interface EventTableProps {
  events: StoredEvent[];
  busy: boolean;
  caption: string;
}

export function EventTable({ events, busy, caption }: EventTableProps) {
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
            const expanded = open === event.id;
            const detailsId = `details-${event.id}`;
            return (
              <Fragment key={event.id}>
                <tr className={expanded ? 'row expanded' : 'row'} data-event-id={event.id}>
                  <td>
                    <button
                      type="button" className="expand" aria-expanded={expanded} aria-controls={expanded ? detailsId : undefined}
                      aria-label={`${expanded ? 'Hide' : 'Show'} details of ${event.action} at ${utcSeconds(event.occurred_at)}`}
                      onClick={() => setOpen(expanded ? undefined : event.id)}
                    >{expanded ? '▾' : '▸'}</button>
                  </td>
                  <td><time dateTime={event.occurred_at} title={utcSeconds(event.occurred_at)}>{utcMinutes(event.occurred_at)}</time></td>
                  <td className="ellipsis" title={actorOf(event)}>{actorOf(event)}</td>
                  <td className="ellipsis mono" title={event.action}>{event.action}</td>
                  <td className="ellipsis"><Target event={event} /></td>
                  <td className="ellipsis mono">{event.context?.ip ?? '—'}</td>
                  <td><Success value={event.success} /></td>
                </tr>
                {expanded && (
                  <tr className="details-row">
                    <td colSpan={7} id={detailsId}>
                      <pre className="json" tabIndex={0} aria-label={`Full event ${event.id} as JSON`}>{JSON.stringify(event, null, 2)}</pre>
                    </td>
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
