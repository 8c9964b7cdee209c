export const SCOPES = [
  'events:write', 'audit:read', 'audit:export', 'audit:write',
  'streams:manage', 'alerts:manage', 'retention:manage', 'keys:manage', 'event_types:manage',
] as const;

export type Scope = (typeof SCOPES)[number];

export const isScope = (value: string): value is Scope => (SCOPES as readonly string[]).includes(value);
