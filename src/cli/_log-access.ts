// What the log commands (send, tail, export, checkpoint, proof, bench, sdk types) do with one
// tenant's log, behind one face: over HTTP to a Stele server (`--url`/`--key` or STELE_URL and
// STELE_API_KEY), or on the local store with the server's own services (`--tenant`). Each command
// is written once against this interface.

import type { CheckpointView } from '../checkpoints/checkpoint-service.js';
import type { StoredEvent } from '../domain/event.js';
import type { EventTypeView } from '../event-types/event-type-service.js';
import { usageError } from './_context.js';
import { openLocalLog } from './_local-log.js';
import { openRemoteLog } from './_remote-log.js';

/** The parameters of GET /v1/events that select events: filters, `q`, `saved_search`. */
export type Selection = Record<string, string | string[]>;

/** An event of a file being sent, with the line (or array index) it came from. */
export interface LineEvent {
  line: number;
  event: unknown;
}

export interface SendResult {
  stored: number;
  refused: { line: number; field?: string; message: string }[];
}

export interface InclusionAnswer {
  leaf_index: number;
  tree_size: number;
  leaf_hash: string;
  proof: string[];
  checkpoint: string | null;
}

export interface ConsistencyAnswer {
  from: number;
  to: number;
  proof: string[];
  from_checkpoint: string | null;
  to_checkpoint: string | null;
}

export interface LogAccess {
  /** Where the commands work, for a note on stderr. */
  readonly description: string;
  /** Sends events; refused ones are reported with their line, the rest are stored. */
  send(events: readonly LineEvent[], options?: { batchSize?: number; onProgress?: (done: number) => void }): Promise<SendResult>;
  /** Up to `limit` events, newest first by seq. */
  latest(selection: Selection, limit: number): Promise<StoredEvent[]>;
  /** Events after `afterSeq` in seq order, waiting up to `waitSeconds` for some. */
  feed(selection: Selection, afterSeq: number, waitSeconds: number, signal?: AbortSignal): Promise<{ events: StoredEvent[]; next_after_seq: number }>;
  /** The export as GET /v1/events/export streams it, and how many events it holds. */
  export(format: string, selection: Selection, proofs: boolean, signal?: AbortSignal): Promise<{ rowCount: number; chunks: AsyncIterable<string | Uint8Array> }>;
  checkpoint(request: { size?: number; make?: boolean }): Promise<CheckpointView>;
  event(id: string): Promise<StoredEvent>;
  inclusionProof(id: string, treeSize?: number): Promise<InclusionAnswer>;
  consistencyProof(from: number, to: number): Promise<ConsistencyAnswer>;
  eventTypes(): Promise<{ unknown_actions: string; event_types: EventTypeView[] }>;
  /** The instance's keys, as GET /v1/integrity/public-key gives them. */
  publicKey(): Promise<{ pem: string; note_key: string }>;
  close(): Promise<void>;
}

export const TARGET_ARGS = {
  url: { type: 'string', description: 'Work on this Stele server over HTTP (default: STELE_URL); without it, on the local store (STELE_DATA_DIR or STELE_DATABASE_URL)' },
  key: { type: 'string', description: 'API key, or the instance admin token, for --url (default: STELE_API_KEY)' },
  tenant: { type: 'string', description: 'Tenant id: needed on the local store and with the admin token; a key acts on its own tenant' },
} as const;

export interface TargetArgs {
  url?: string;
  key?: string;
  tenant?: string;
}

/** Where a command works: a server when there is a URL, else the local store. */
export function remoteTarget(args: TargetArgs): { url: string; key: string } | undefined {
  const url = args.url ?? process.env.STELE_URL;
  if (!url) return undefined;
  const key = args.key ?? process.env.STELE_API_KEY;
  if (!key) throw usageError('--url needs --key (or STELE_API_KEY): an API key, or the instance admin token with --tenant');
  return { url, key };
}

/** Opens the log the command line names, runs `work`, closes it. */
export async function withLog<T>(args: TargetArgs, work: (log: LogAccess) => Promise<T>): Promise<T> {
  const remote = remoteTarget(args);
  let log: LogAccess;
  if (remote) {
    log = openRemoteLog(remote.url, remote.key, args.tenant);
  } else {
    if (!args.tenant) throw usageError('--tenant is needed on the local store (see: stele tenants list), or --url and --key to work on a server');
    log = await openLocalLog(args.tenant);
  }
  try {
    return await work(log);
  } finally {
    await log.close();
  }
}
