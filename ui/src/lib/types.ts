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
  target?: { type?: string; id?: string; name?: string; slug?: string; url?: string };
  context?: { ip?: string; user_agent?: string; request_id?: string; url?: string };
  success?: boolean;
  details?: Record<string, unknown>;
}

export interface EventPage {
  events: StoredEvent[];
  next_page_token: string | null;
}

export interface SessionInfo {
  email: string;
  role: string;
  tenant_id: string;
  scopes: string[];
  instance_admin: boolean;
  csrf_token: string;
  expires_at: string;
}

export interface FilterValues {
  values: { actions: string[]; actor_ids: string[]; categories: string[]; target_types: string[] };
}
