// Shapes of the API answers the UI reads (see the OpenAPI document at /docs).

export interface StoredEvent {
  id: string;
  tenant_id: string;
  seq: number;
  action: string;
  category: string;
  occurred_at: string;
  received_at: string;
  actor?: { id?: string; type?: string; email?: string; name?: string; role?: string };
  target?: { type?: string; id?: string; name?: string; slug?: string; url?: string; version?: string };
  context?: { ip?: string; user_agent?: string; request_id?: string; url?: string; location?: string; session_id?: string; api_key_id?: string; method?: string; http_status?: number };
  /** Added by the server: the country of context.ip from its GeoIP database (STELE_GEOIP_DATABASE). */
  geo?: { country?: string };
  success?: boolean;
  details?: Record<string, unknown>;
  /** A tombstone: its content was purged, deleted or erased; the hashes remain and the log still verifies. */
  forgotten?: { kind: 'purged' | 'deleted' | 'erased'; by_seq: number };
  deleted_at?: string;
  deleted_by?: { id?: string; type?: string; email?: string; name?: string };
  reason?: string;
}

export interface EventPage {
  events: StoredEvent[];
  next_page_token: string | null;
  total?: number;
  offset?: number;
}

/** GET /v1/events/histogram */
export interface Histogram {
  interval: string;
  interval_ms: number;
  since: string;
  until: string;
  total: number;
  failures: number;
  buckets: { start: string; count: number; failures: number; by_category: Record<string, number> }[];
}

/** GET /v1/events/top */
export interface TopValues {
  field: string;
  values: { value: string; count: number; failures: number; email?: string; type?: string; name?: string }[];
}

export interface SessionInfo {
  email: string;
  role: string;
  tenant_id: string;
  scopes: string[];
  instance_admin: boolean;
  csrf_token: string;
  expires_at: string;
  /** Most rows a direct export may hold (STELE_EXPORT_MAX_ROWS); absent on older servers. */
  export_max_rows?: number;
}

export interface FilterValues {
  values: { actions: string[]; actor_ids: string[]; categories: string[]; target_types: string[] };
}

export interface SavedSearch {
  id: string;
  name: string;
  query: string;
  filters: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

/** GET /v1/exports/{id}: a bulk export job. */
export interface ExportJob {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  format: string;
  row_count: number;
  expected_rows: number | null;
  /** 0 to 1 */
  progress: number;
  error: string | null;
  download_url?: string;
  download_expires_at?: string;
  bytes?: number;
  sha256?: string;
}
