// Streams as GET /v1/streams returns them.

export interface Stream {
  id: string;
  name: string;
  type: string;
  state: 'active' | 'paused' | 'failing' | 'disabled';
  destination: string;
  config: Record<string, unknown>;
  format: string;
  cursor: number;
  head: number;
  lag: { events: number; seconds: number; approximate?: boolean };
  delivered: number;
  last_success_at: string | null;
  last_error: { at: string; message: string; status?: number } | null;
  failing_since: string | null;
  failures: number;
  next_attempt_at: string | null;
  disabled: { at: string; reason: string } | null;
}

export interface TestAnswer {
  ok: boolean;
  status?: number;
  body?: string;
  error?: string;
  latency_ms: number;
}
