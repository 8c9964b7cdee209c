// Small, shared readings of a StoredEvent used by the SIEM encoders (CEF, LEEF, OCSF): the
// action split into words, a human name for it, times as epoch milliseconds, the outcome.

import { isIP } from 'node:net';

/** The action as lower-case words: `member.role_changed` → member, role, changed; `RuleCreated` → rule, created. */
export function actionWords(action: string): string[] {
  return action
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s._:\-/]+/)
    .filter(Boolean);
}

/** A display name for an action: `user.login` → `User login` (the CEF Name of the vectors' baseline). */
export function humanizeAction(action: string): string {
  const text = actionWords(action).join(' ');
  return text === '' ? action : text.charAt(0).toUpperCase() + text.slice(1);
}

/** Milliseconds since the epoch, or undefined when the text is not a date (it is validated at ingest). */
export function epochMs(iso: string): number | undefined {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

export type Outcome = 'success' | 'failure';

/** `success` as a word; an event that did not say stays undefined rather than guessing. */
export function outcomeOf(success: boolean | undefined): Outcome | undefined {
  if (success === undefined) return undefined;
  return success ? 'success' : 'failure';
}

/** The address only when it is an IPv4/IPv6 literal: SIEM `src` fields are typed and reject anything else. */
export function ipOrUndefined(ip: string | undefined): string | undefined {
  return ip !== undefined && isIP(ip) !== 0 ? ip : undefined;
}
