// Who made a change and from where: the actor and context every self-audit event carries. HTTP
// routes derive it from the request (http/request-audit.ts), the CLI from the OS user and host
// (cli/_audit.ts), background work uses SYSTEM_REQUESTER.

import type { Actor, EventContext } from '../domain/event.js';

export interface Requester {
  actor: Actor;
  context: EventContext;
}

/** The server itself, for scheduled runs and other background work. */
export const SYSTEM_REQUESTER: Requester = { actor: { id: 'stele', type: 'system' }, context: {} };
