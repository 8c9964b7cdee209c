// Stele records its own changes and reads in the tenant's log (src/audit-trail/): a tenant's log
// starts with its creation and its first key's, and every read adds a `data.accessed`. Tests about
// what an application sent look at the application's events only, by action.

import { SELF_AUDIT_ACTIONS } from '../../src/domain/actions.js';

const SELF_AUDIT = new Set<string>(Object.keys(SELF_AUDIT_ACTIONS));

export const isSelfAudit = (event: { action: string }): boolean => SELF_AUDIT.has(event.action);

/** The events an application sent, without those Stele recorded about itself. */
export const applicationEvents = <T extends { action: string }>(events: readonly T[]): T[] => events.filter((e) => !isSelfAudit(e));
