// Every copy of the checkpoints that lives outside the database, behind one face: the checkpoint
// file, the webhook receiver and the witnesses. The checkpoint service asks it what has been
// published (to check the log before signing), asks the witnesses to cosign, and publishes.

import type { CheckpointFile } from './checkpoint-file.js';
import type { CheckpointWebhook, WebhookCheckpoint } from './checkpoint-webhook.js';
import type { PublishedCheckpoint } from './log-guard.js';
import type { Submission, WitnessAnswer, WitnessClient } from './witness-client.js';

export interface OutsideLogger {
  warn(object: object, message: string): void;
}

/** A witness answer that contradicts the log: it saw a larger tree, or one this log does not extend. */
export interface WitnessContradiction {
  witness: string;
  answer: Extract<WitnessAnswer, { kind: 'ahead' | 'inconsistent' }>;
}

export interface Witnessed {
  cosignatures: { cosigner: string; line: string }[];
  contradictions: WitnessContradiction[];
}

export function createOutsideCopies(options: { file?: CheckpointFile; webhook?: CheckpointWebhook; witnesses?: readonly WitnessClient[]; logger: OutsideLogger }) {
  const witnesses = options.witnesses ?? [];
  return {
    hasWitnesses: witnesses.length > 0,

    /** What is known to have been published for the tenant, from each copy outside the database. */
    async known(tenantId: string, origin: string): Promise<PublishedCheckpoint[]> {
      const found: PublishedCheckpoint[] = [];
      const fromFile = await options.file?.largest(tenantId);
      if (fromFile) found.push({ size: fromFile.size, rootHash: fromFile.rootHash, source: 'the checkpoint file' });
      const fromWebhook = options.webhook?.largest(tenantId);
      if (fromWebhook) found.push({ size: fromWebhook.size, rootHash: fromWebhook.rootHash, source: 'the checkpoint webhook receiver' });
      for (const witness of witnesses) {
        const size = witness.knownSize(origin);
        if (size !== undefined) found.push({ size, source: `witness ${witness.name}` });
      }
      return found;
    },

    /** Asks every witness to cosign the checkpoint. */
    async witness(submission: Submission): Promise<Witnessed> {
      const answers = await Promise.all(witnesses.map(async (witness) => ({ witness: witness.name, answer: await witness.submit(submission) })));
      const witnessed: Witnessed = { cosignatures: [], contradictions: [] };
      for (const { witness, answer } of answers) {
        if (answer.kind === 'cosigned') witnessed.cosignatures.push({ cosigner: witness, line: answer.line });
        else if (answer.kind === 'ahead' || answer.kind === 'inconsistent') witnessed.contradictions.push({ witness, answer });
        else options.logger.warn({ witness, origin: submission.origin, size: submission.size, answer }, 'a witness did not cosign the checkpoint');
      }
      return witnessed;
    },

    /**
     * Shows the webhook receiver the latest stored checkpoint again (at start), so its answer —
     * the largest checkpoint it holds — is known before anything is signed.
     */
    async remind(tenantId: string, checkpoint: WebhookCheckpoint): Promise<void> {
      await options.webhook?.publish(tenantId, checkpoint).catch((error: unknown) => options.logger.warn({ err: error, tenantId }, 'could not reach the checkpoint webhook'));
    },

    /** Appends the checkpoint (with its cosignatures) to the file and POSTs it to the webhook. Failures are logged. */
    async publish(tenantId: string, checkpoint: WebhookCheckpoint): Promise<void> {
      const jobs: Promise<void>[] = [];
      if (options.file) jobs.push(options.file.append(checkpoint.checkpoint));
      if (options.webhook) jobs.push(options.webhook.publish(tenantId, checkpoint));
      for (const result of await Promise.allSettled(jobs)) {
        if (result.status === 'rejected') options.logger.warn({ err: result.reason, tenantId }, 'could not publish checkpoint');
      }
    },
  };
}

export type OutsideCopies = ReturnType<typeof createOutsideCopies>;
