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
  categories: string[];
  actor: string;
  target: string;
  targetType: string;
  /** An address or a CIDR block. */
  ip: string;
  success: '' | 'true' | 'false';
  range: Range;
  /** ISO 8601, for the custom range */
  from: string;
  to: string;
  q: string;
  /** 1-based; offset paging reaches 10,000 events deep. */
  page: number;
}

export const PAGE_SIZE = 100;
/** How deep offset paging reaches (the API's limit). */
export const MAX_OFFSET = 10_000;
export const MAX_PAGE = MAX_OFFSET / PAGE_SIZE + 1;

export function readView(search: string): AuditView {
  const params = new URLSearchParams(search);
  const range = RANGES.find((r) => r.value === params.get('range'))?.value ?? DEFAULT_RANGE;
  const success = params.get('success');
  const page = Number(params.get('page') ?? '1');
  return {
    actions: params.getAll('action').filter(Boolean),
    categories: params.getAll('category').filter(Boolean),
    actor: params.get('actor') ?? '',
    target: params.get('target') ?? '',
    targetType: params.get('target_type') ?? '',
    ip: params.get('ip') ?? '',
    success: success === 'true' || success === 'false' ? success : '',
    range,
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    q: params.get('q') ?? '',
    page: Number.isInteger(page) && page >= 1 && page <= MAX_PAGE ? page : 1,
  };
}

/** The same view on another page (a new filter starts again at page 1). */
export const onPage = (view: AuditView, page: number): AuditView => ({ ...view, page });

/** The page's own query string: only what differs from the defaults. */
export function writeView(view: AuditView): string {
  const params = new URLSearchParams();
  for (const action of view.actions) params.append('action', action);
  for (const category of view.categories) params.append('category', category);
  if (view.actor) params.set('actor', view.actor);
  if (view.target) params.set('target', view.target);
  if (view.targetType) params.set('target_type', view.targetType);
  if (view.ip) params.set('ip', view.ip);
  if (view.success) params.set('success', view.success);
  if (view.range !== DEFAULT_RANGE) params.set('range', view.range);
  if (view.range === 'custom') {
    if (view.from) params.set('from', view.from);
    if (view.to) params.set('to', view.to);
  }
  if (view.q) params.set('q', view.q);
  if (view.page > 1) params.set('page', String(view.page));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Parameters of GET /v1/events (and /v1/events/export) for a view. */
export function apiParams(view: AuditView): URLSearchParams {
  const params = new URLSearchParams();
  for (const action of view.actions) params.append('action', action);
  for (const category of view.categories) params.append('category', category);
  // One actor box: an email matches actor.email, anything else actor.id.
  if (view.actor) params.set(view.actor.includes('@') ? 'actor_email' : 'actor_id', view.actor);
  if (view.target) params.set('target_id', view.target);
  if (view.targetType) params.set('target_type', view.targetType);
  if (view.ip) params.set('ip', view.ip);
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

/** Structured filters as a JSON object, the shape saved searches and bulk export jobs take. */
export type FilterObject = Record<string, string | boolean | string[]>;

/** The view's filters (everything but q) as a JSON object, e.g. {action: [...], since: 'now-7d'}. */
export function filterObject(view: AuditView): FilterObject {
  const params = apiParams(view);
  const filters: FilterObject = {};
  for (const name of new Set(params.keys())) {
    if (name === 'q') continue;
    if (name === 'success') filters.success = params.get(name) === 'true';
    else if (name === 'action' || name === 'category') filters[name] = params.getAll(name);
    else filters[name] = params.get(name)!;
  }
  return filters;
}

const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);

/**
 * A saved search back to a view of this page. Filters the page has no control for (set through
 * the API: category, ip, several actors ...) are named in `unsupported`, since opening the search
 * here would leave them out.
 */
export function viewFromSaved(query: string, filters: Record<string, unknown>): { view: AuditView; unsupported: string[] } {
  const view = readView('');
  view.q = query;
  const unsupported: string[] = [];
  for (const [name, value] of Object.entries(filters)) {
    const list = asList(value);
    if (name === 'action') view.actions = list;
    else if (name === 'category') view.categories = list;
    else if (name === 'target_type' && list.length === 1) view.targetType = list[0]!;
    else if (name === 'ip' && list.length === 1) view.ip = list[0]!;
    else if ((name === 'actor_email' || name === 'actor_id' || name === 'target_id') && list.length === 1) {
      if (name === 'target_id') view.target = list[0]!;
      else if (name === 'actor_email' ? list[0]!.includes('@') : !list[0]!.includes('@')) view.actor = list[0]!;
      else unsupported.push(name);
    } else if (name === 'success') view.success = String(value) === 'true' ? 'true' : 'false';
    else if (name !== 'since' && name !== 'until') unsupported.push(name);
  }
  const since = typeof filters.since === 'string' ? filters.since : undefined;
  const until = typeof filters.until === 'string' ? filters.until : undefined;
  const preset = RANGES.find((r) => r.since !== '' && r.since === since);
  if (preset && until === undefined) {
    view.range = preset.value;
  } else {
    // An absolute window (or none at all: everything) is a custom range; the page enters UTC
    // times, so a relative bound it has no preset for is named rather than guessed.
    view.range = 'custom';
    for (const [key, value] of [['from', since], ['to', until]] as const) {
      if (value === undefined) continue;
      if (Number.isNaN(Date.parse(value)) || /^now/i.test(value)) unsupported.push(key === 'from' ? 'since' : 'until');
      else view[key] = new Date(value).toISOString();
    }
  }
  return { view, unsupported };
}
