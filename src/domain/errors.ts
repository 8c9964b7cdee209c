// One error type for everything a client can be told about. The code is machine-readable and
// maps to one HTTP status; anything that is not a SteleError becomes a plain 500.

export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_event: 400,
  invalid_query: 400,
  invalid_page_token: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  request_timeout: 408,
  conflict: 409,
  integrity_alarm: 409,
  legal_hold: 409,
  idempotency_conflict: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  too_many_rows: 422,
  rate_limit_exceeded: 429,
  headers_too_large: 431,
  unavailable: 503,
  overloaded: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  index?: number;
  field?: string;
  message: string;
}

export class SteleError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];
  /** Extra machine-readable members of the error body, e.g. `position` for invalid_query. */
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = [], extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'SteleError';
    this.code = code;
    this.details = details;
    this.extra = extra;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const isSteleError = (error: unknown): error is SteleError => error instanceof SteleError;

/**
 * A refusal that a later retry may get past: HTTP answers it with its status and `Retry-After`
 * (the database away or busy, ingest over its queue bound).
 */
export class RetryLaterError extends SteleError {
  /** When a retry has a chance, in whole seconds. */
  readonly retryAfterSeconds: number;

  constructor(code: ErrorCode, message: string, retryAfterSeconds: number) {
    super(code, message);
    this.name = 'RetryLaterError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
