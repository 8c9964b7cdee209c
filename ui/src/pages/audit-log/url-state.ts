// The audit log's view lives in the URL query string (bookmarkable, shareable). These functions
// read it, write it, and turn it into the parameters of GET /v1/events and its export.

export const RANGES = [
  { value: '1h', label: 'Last hour', since: 'now-1h' },
  { value: '24h', label: 'Last day', since: 'now-1d' },
  { value: '7d', label: 'Last 7 days', since: 'now-7d' },
  { value: '30d', label: 'Last 30 days', since: 'now-30d' },
  { value: 'custom', label: 'Custom (UTC)', since: '' },
] as const;

export type Range = (typeof RANGES)[number]['value'];
export const DEFAULT_RANGE: Range = '7d';

export interface AuditView {
  actions: string[];
  actor: string;
  target: string;
  success: '' | 'true' | 'false';
  range: Range;
  /** ISO 8601, for the custom range */
  from: string;
  to: string;
  q: string;
}

export function readView(search: string): AuditView {
  const params = new URLSearchParams(search);
  const range = RANGES.find((r) => r.value === params.get('range'))?.value ?? DEFAULT_RANGE;
  const success = params.get('success');
  return {
    actions: params.getAll('action').filter(Boolean),
    actor: params.get('actor') ?? '',
    target: params.get('target') ?? '',
    success: success === 'true' || success === 'false' ? success : '',
    range,
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    q: params.get('q') ?? '',
  };
}

/** The page's own query string: only what differs from the defaults. */
export function writeView(view: AuditView): string {
  const params = new URLSearchParams();
  for (const action of view.actions) params.append('action', action);
  if (view.actor) params.set('actor', view.actor);
  if (view.target) params.set('target', view.target);
  if (view.success) params.set('success', view.success);
  if (view.range !== DEFAULT_RANGE) params.set('range', view.range);
  if (view.range === 'custom') {
    if (view.from) params.set('from', view.from);
    if (view.to) params.set('to', view.to);
  }
  if (view.q) params.set('q', view.q);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Parameters of GET /v1/events (and /v1/events/export) for a view. */
export function apiParams(view: AuditView): URLSearchParams {
  const params = new URLSearchParams();
  for (const action of view.actions) params.append('action', action);
  // One actor box: an email matches actor.email, anything else actor.id.
  if (view.actor) params.set(view.actor.includes('@') ? 'actor_email' : 'actor_id', view.actor);
  if (view.target) params.set('target_id', view.target);
  if (view.success) params.set('success', view.success);
  if (view.range === 'custom') {
    if (view.from) params.set('since', view.from);
    if (view.to) params.set('until', view.to);
  } else {
    params.set('since', RANGES.find((r) => r.value === view.range)!.since);
  }
  if (view.q) params.set('q', view.q);
  return params;
}
