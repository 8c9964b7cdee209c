// Talks to the Stele JSON API. The dashboard authenticates with its HttpOnly session cookie and
// sends the CSRF token on unsafe requests; the embedded viewer sends its viewer token instead.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    /** For invalid_query: where in the search text the error is. */
    readonly position?: number,
  ) {
    super(message);
  }
}

export interface ApiAuth {
  /** Bearer token (viewer token); without it the session cookie is used. */
  bearer?: string;
  csrfToken?: string;
}

let defaultAuth: ApiAuth = {};
let onUnauthenticated: (() => void) | undefined;

export function configureApi(auth: ApiAuth, whenSignedOut?: () => void): void {
  defaultAuth = auth;
  onUnauthenticated = whenSignedOut;
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  auth?: ApiAuth;
}

export async function api<T>(path: string, { method = 'GET', body, signal, auth = defaultAuth }: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (auth.bearer) headers.authorization = `Bearer ${auth.bearer}`;
  if (method !== 'GET' && auth.csrfToken) headers['x-stele-csrf'] = auth.csrfToken;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, credentials: 'same-origin' });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError('The Stele server cannot be reached. Check your connection and try again.', 0, 'network');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = (json as { error?: { message?: string; code?: string; position?: number } } | undefined)?.error;
    if (response.status === 401 && !auth.bearer && path !== '/v1/session') onUnauthenticated?.();
    throw new ApiError(error?.message ?? `The server answered ${response.status}.`, response.status, error?.code ?? 'http_error', error?.position);
  }
  return json as T;
}
