// Copies of every checkpoint outside the database: appended to a file and/or POSTed to a webhook.
// A DBA who rewrites the log cannot rewrite these copies. Failures are logged, never fatal: the
// checkpoint itself is already stored.

import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CheckpointView } from './checkpoint-service.js';

export interface PublisherLogger {
  warn(object: object, message: string): void;
}

export type CheckpointPublisher = (tenantId: string, checkpoint: CheckpointView) => Promise<void>;

export function createCheckpointPublisher(options: { file?: string; webhookUrl?: string; logger: PublisherLogger }): CheckpointPublisher {
  return async (tenantId, checkpoint) => {
    const jobs: Promise<void>[] = [];
    if (options.file) {
      const file = options.file;
      jobs.push(mkdir(dirname(file), { recursive: true }).then(() => appendFile(file, `${checkpoint.checkpoint}\n`)));
    }
    if (options.webhookUrl) {
      jobs.push(fetch(options.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'stele.checkpoint', tenant_id: tenantId, ...checkpoint }),
        signal: AbortSignal.timeout(10_000),
      }).then((response) => {
        if (!response.ok) throw new Error(`webhook answered ${response.status}`);
      }));
    }
    const results = await Promise.allSettled(jobs);
    for (const result of results) {
      if (result.status === 'rejected') options.logger.warn({ err: result.reason, tenantId }, 'could not publish checkpoint');
    }
  };
}
