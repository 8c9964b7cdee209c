// STELE_CHECKPOINT_WEBHOOK_URL: every checkpoint is POSTed to a receiver outside the database. The
// receiver may answer with the largest checkpoint it holds for that tenant (`{"checkpoint":
// "<signed note>"}`); Stele reads that answer back, so a receiver that keeps what it was sent is a
// memory the database cannot rewrite. Answers not signed by the instance key are ignored.

import type { KeyObject } from 'node:crypto';
import { NoteError, openCheckpointByKey, type OpenedCheckpoint } from '@stele/integrity';
import { httpRequest } from '../destinations/http-request.js';
import { tenantOfOrigin } from './log-origin.js';

export interface WebhookCheckpoint {
  tree_size: number;
  root_hash: string;
  created_at: string;
  checkpoint: string;
}

/** A JSON answer, or undefined when it is not JSON after all. */
function parsedOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function createCheckpointWebhook(options: { url: string; publicKey: KeyObject; timeoutMs?: number }) {
  const largest = new Map<string, OpenedCheckpoint>();

  function remember(tenantId: string, answer: unknown): void {
    const note = (answer as { checkpoint?: unknown } | null)?.checkpoint;
    if (typeof note !== 'string') return;
    try {
      const opened = openCheckpointByKey(note, options.publicKey);
      if (tenantOfOrigin(opened.origin) !== tenantId) return;
      if ((largest.get(tenantId)?.size ?? -1) < opened.size) largest.set(tenantId, opened);
    } catch (error) {
      if (!(error instanceof NoteError)) throw error;
    }
  }

  return {
    url: options.url,
    /** POSTs the checkpoint; throws when the receiver does not answer 2xx. */
    async publish(tenantId: string, checkpoint: WebhookCheckpoint): Promise<void> {
      const answer = await httpRequest(options.url, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'stele.checkpoint', tenant_id: tenantId, ...checkpoint }),
        timeoutMs: options.timeoutMs ?? 10_000,
      });
      if (answer.status < 200 || answer.status >= 300) throw new Error(`the checkpoint webhook answered ${answer.status}`);
      if (String(answer.headers['content-type'] ?? '').includes('json')) remember(tenantId, parsedOrUndefined(answer.text));
    },
    /** The largest checkpoint the receiver has said it holds for the tenant. */
    largest: (tenantId: string): OpenedCheckpoint | undefined => largest.get(tenantId),
  };
}

export type CheckpointWebhook = ReturnType<typeof createCheckpointWebhook>;
