// Is the log in the database still the log that was published? Given the tenant's head and the
// checkpoints known to have been published (kept outside the database, or signed ones the database
// still holds), a log shorter than a published checkpoint is `truncated`, and one whose tree at a
// published size has another root, or whose current tree does not extend it, is `forked`. Reads
// O(log n) stored hashes per checkpoint, never the log.

import { Buffer } from 'node:buffer';
import { consistency, rootFromBorder, verifyConsistency } from '@stele/integrity';
import { proofFromStore, rootFromStore } from '../proofs/stored-nodes.js';
import type { LogHead, Store } from '../store/port.js';

export interface PublishedCheckpoint {
  size: number;
  /** Unknown when the source only told a size (a witness's 409 answer). */
  rootHash?: Uint8Array;
  /** Where it is known from, for the message: "the checkpoint file", "witness w1.example", ... */
  source: string;
}

export type AlarmKind = 'truncated' | 'forked';

export type LogVerdict =
  | { ok: true }
  | { ok: false; kind: AlarmKind; size: number; source: string; message: string };

export async function checkLogAgainst(store: Store, tenantId: string, head: LogHead, published: readonly PublishedCheckpoint[]): Promise<LogVerdict> {
  // The largest first: it is the strongest claim, and the one a truncation hides. Of equal
  // sizes, one with a root (a signed note) before one known by its size alone.
  const strongestFirst = [...published].sort((a, b) => b.size - a.size || Number(b.rootHash !== undefined) - Number(a.rootHash !== undefined));
  for (const checkpoint of strongestFirst) {
    if (checkpoint.size > head.size) {
      return {
        ok: false, kind: 'truncated', size: checkpoint.size, source: checkpoint.source,
        message: `the log holds ${head.size} events, but a checkpoint of ${checkpoint.size} events was published (known from ${checkpoint.source}): events ${head.size + 1}..${checkpoint.size} are gone, by a restored backup or deleted rows`,
      };
    }
    if (!checkpoint.rootHash || checkpoint.size === 0) continue;
    if (!(await treeExtends(store, tenantId, head, checkpoint.size, checkpoint.rootHash))) {
      return {
        ok: false, kind: 'forked', size: checkpoint.size, source: checkpoint.source,
        message: `the log is not the one ${checkpoint.source} saw: its tree of ${checkpoint.size} events has another root, so events up to seq ${checkpoint.size} were rewritten`,
      };
    }
  }
  return { ok: true };
}

/** True when the stored tree at `size` has `rootHash` and the current tree extends it (a consistency proof from the stored nodes). */
async function treeExtends(store: Store, tenantId: string, head: LogHead, size: number, rootHash: Uint8Array): Promise<boolean> {
  try {
    const headRoot = rootFromBorder(head.border);
    const oldRoot = size === head.size ? headRoot : await rootFromStore(store, tenantId, size);
    if (!Buffer.from(oldRoot).equals(Buffer.from(rootHash))) return false;
    if (size < head.size) verifyConsistency(size, head.size, await proofFromStore(store, tenantId, consistency(size, head.size)), rootHash, headRoot);
    return true;
  } catch {
    // Missing or inconsistent stored nodes: the tree cannot be shown to extend the checkpoint.
    return false;
  }
}
