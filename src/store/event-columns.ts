// The physical columns of the `events` table, shared by both adapters and by the query compiler.
// Times are integer milliseconds since the epoch (UTC); `success` is 0/1/NULL; `ip_bin` is the
// address as 16 bytes (IPv4 mapped into IPv6) so that CIDR filters are index-friendly byte ranges.

export const EVENT_TEXT_COLUMNS = [
  'id', 'action', 'category',
  'actor_id', 'actor_type', 'actor_email', 'actor_name', 'actor_role',
  'target_type', 'target_id', 'target_name', 'target_slug', 'target_version', 'target_url',
  'ip', 'user_agent', 'location', 'request_id', 'session_id', 'api_key_id', 'method', 'url',
  'geo_country',
] as const;

export type EventTextColumn = (typeof EVENT_TEXT_COLUMNS)[number];

/** Where each nested event field lives: `actor.email` → `actor_email`. */
export const NESTED_FIELDS = {
  actor: { id: 'actor_id', type: 'actor_type', email: 'actor_email', name: 'actor_name', role: 'actor_role' },
  target: {
    type: 'target_type', id: 'target_id', name: 'target_name', slug: 'target_slug',
    version: 'target_version', url: 'target_url',
  },
  context: {
    ip: 'ip', user_agent: 'user_agent', location: 'location', request_id: 'request_id',
    session_id: 'session_id', api_key_id: 'api_key_id', method: 'method', url: 'url', http_status: 'http_status',
  },
  // Server-derived at ingest (EventGeo), not sent by the client.
  geo: { country: 'geo_country' },
} as const;
