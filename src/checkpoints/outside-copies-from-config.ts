// Builds the copies outside the database that the configuration asks for: the checkpoint file,
// the webhook and the witnesses (whose keys are checked here, at start, with a clear error).

import type { IntegrityConfig } from '../config.js';
import { NoteError, parseCosignerKey } from '@stele/integrity';
import { createCheckpointFile } from './checkpoint-file.js';
import { createCheckpointWebhook } from './checkpoint-webhook.js';
import { createOutsideCopies, type OutsideLogger } from './outside-copies.js';
import type { SigningKey } from './signing-key.js';
import { createWitnessClient } from './witness-client.js';

export function createOutsideCopiesFromConfig(config: IntegrityConfig, key: SigningKey, logger: OutsideLogger) {
  const witnesses = config.witnesses.map(({ url, key: vkey }) => {
    try {
      return createWitnessClient({ url, key: parseCosignerKey(vkey) });
    } catch (error) {
      if (error instanceof NoteError) throw new Error(`STELE_WITNESSES: the key of ${url} is not a witness cosigner key: ${error.message}`);
      throw error;
    }
  });
  return createOutsideCopies({
    ...(config.checkpointFile && { file: createCheckpointFile({ path: config.checkpointFile, publicKey: key.publicKey, logger }) }),
    ...(config.checkpointWebhookUrl && { webhook: createCheckpointWebhook({ url: config.checkpointWebhookUrl, publicKey: key.publicKey }) }),
    witnesses,
    logger,
  });
}
