// The admin commands (tenants, keys, viewer tokens) over HTTP when a server is named: the
// server's API through the SDK's transport, with the instance admin token or a keys:manage key.

import { createTransport, type Transport } from '@stele/sdk';
import { note } from './_context.js';
import { remoteTarget, type TargetArgs } from './_log-access.js';

/** Runs `work` against the server the command line names, or returns undefined when it names none. */
export async function onServer<T>(args: TargetArgs, work: (api: Transport) => Promise<T>): Promise<{ value: T } | undefined> {
  const remote = remoteTarget(args);
  if (!remote) return undefined;
  const api = createTransport({ url: remote.url, apiKey: remote.key });
  note(`server: ${api.url}`);
  try {
    return { value: await work(api) };
  } finally {
    api.close();
  }
}

/** --url and --key, for commands that otherwise work on the local store. */
export const SERVER_ARGS = {
  url: { type: 'string', description: 'Work on this Stele server over HTTP (default: STELE_URL); without it, on the local store' },
  key: { type: 'string', description: 'The instance admin token (or a keys:manage key) for --url (default: STELE_API_KEY)' },
} as const;
