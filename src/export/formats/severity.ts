// One severity rule for every SIEM format, so the same event ranks the same in ArcSight, QRadar
// and an OCSF lake. The base reflects how much an analyst cares about a category when things went
// as planned; a failure (success === false) adds 3, because failed logins, denied privilege
// changes and blocked security actions are what detections look for.

import type { StoredEvent } from '../../domain/event.js';

const BASE_BY_CATEGORY: Readonly<Record<string, number>> = {
  security: 6,
  authorization: 5,
  configuration: 4,
  authentication: 3,
  team: 3,
  data: 3,
};
const DEFAULT_BASE = 2;
const FAILURE_BUMP = 3;

/** CEF severity 0–10 (also LEEF `sev`, clamped to 1–10 there). */
export function cefSeverity(event: Pick<StoredEvent, 'category' | 'success'>): number {
  const base = BASE_BY_CATEGORY[event.category] ?? DEFAULT_BASE;
  return Math.min(10, base + (event.success === false ? FAILURE_BUMP : 0));
}

/** OCSF severity_id: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, from the CEF bands. */
export function ocsfSeverityId(cef: number): 1 | 2 | 3 | 4 | 5 {
  if (cef <= 2) return 1;
  if (cef === 3) return 2;
  if (cef <= 6) return 3;
  if (cef <= 8) return 4;
  return 5;
}
