// Which hosts tenants may point streams at (STELE_STREAM_HOSTS), since a stream makes the server
// connect out: undefined allows any, otherwise exact names or `*.domain`; an empty list turns
// streams off. Checked when a stream is created or changed (a 400 naming the field), and again
// each time its client is opened, so narrowing the list stops existing streams too.

import type { JsonObject } from '../../domain/event.js';
import { hostAllowed } from '../../destinations/sftp-destination.js';
import { invalidConfig } from './config-fields.js';
import type { DestinationType } from './destination.js';

export type HostAllowList = readonly string[] | undefined;

/** Throws invalid_request naming the config field of the first host not allowed. */
export function checkHosts(destination: DestinationType, config: JsonObject, secrets: Readonly<Record<string, string>>, allow: HostAllowList): void {
  if (allow === undefined) return;
  for (const { field, host } of destination.hosts(config, secrets)) {
    if (hostAllowed(allow, host)) continue;
    throw invalidConfig(field, allow.length > 0
      ? `names ${host}, which is not among the hosts this server may send to (STELE_STREAM_HOSTS)`
      : 'cannot be used: streams are turned off on this server (STELE_STREAM_HOSTS=none)');
  }
}
