// The log commands on the local store, with the server's own services: ingest (with the tenant's
// event types), the feed, the query service and the search language, checkpoints, proofs and the
// export. It is the CLI's composition root for them, a small twin of src/api/app.ts without HTTP
// and without background work. What the services record (an export's `audit.exported`) has the
// CLI's OS user as actor (_audit.ts). Signing needs the server's key: it is never made here.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createAuditTrail } from '../audit-trail/audit-trail.js';
import { createCheckpointService } from '../checkpoints/checkpoint-service.js';
import { createIntegrityAlarms } from '../checkpoints/integrity-alarms.js';
import { createOutsideCopiesFromConfig } from '../checkpoints/outside-copies-from-config.js';
import { loadSigningKey } from '../checkpoints/signing-key.js';
import { loadConfig } from '../config.js';
import { isSteleError } from '../domain/errors.js';
import { createEventTypeCheck } from '../event-types/event-type-check.js';
import { createEventTypeRepository } from '../event-types/event-type-repository.js';
import { createEventTypeService } from '../event-types/event-type-service.js';
import { createExportCheckpoints } from '../export/export-checkpoints.js';
import { createExportService } from '../export/export-service.js';
import { formatOf } from '../export/export-routes.js';
import { EXPORT_FORMATS } from '../export/formats/index.js';
import { createCommitNotifier } from '../feed/commit-notifier.js';
import { createFeedService } from '../feed/feed-service.js';
import { createIngestService } from '../ingest/ingest-service.js';
import { sealEvents } from '@stele/integrity';
import { filtersFromQuery } from '../query/query-params.js';
import { createQueryService } from '../query/query-service.js';
import { createEventSelector } from '../query/selection.js';
import { createSavedSearchService } from '../saved-searches/saved-search-service.js';
import { describeStore, openStore } from '../store/open-store.js';
import { createProofService } from '../verification/proof-service.js';
import { cliRequester } from './_audit.js';
import { CLIError, note } from './_context.js';
import type { LineEvent, LogAccess, SendResult } from './_log-access.js';

export async function openLocalLog(tenantId: string): Promise<LogAccess> {
  const config = loadConfig();
  const store = openStore(config);
  try {
    await store.migrate();
    if (!(await store.getTenant(tenantId))) {
      const none = (await store.listTenants()).length === 0;
      throw new CLIError(`No tenant with id ${tenantId} in ${describeStore(config)}${none ? ', which holds no tenants: is it the server\'s (STELE_DATA_DIR, STELE_DATABASE_URL)?' : ' (see: stele tenants list)'}`);
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  note(`store: ${describeStore(config)}, tenant ${tenantId}`);
  const now = Date.now;
  const by = cliRequester();
  const eventTypeCheck = createEventTypeCheck({ repository: createEventTypeRepository(store) });
  const ingest = createIngestService({ store, limits: config.limits, seal: sealEvents, checkEvents: eventTypeCheck.check });
  const trail = createAuditTrail({ recorder: ingest });
  const savedSearches = createSavedSearchService({ store, trail });
  const select = createEventSelector({ dialect: store.dialect, now, findSavedSearch: savedSearches.findForSelection });
  const query = createQueryService({ store, now });
  const feed = createFeedService({ store, commits: createCommitNotifier(), now });

  // Checkpoints, proofs and exports need the signing key, so they are made on first use.
  let integrity: ReturnType<typeof openIntegrity> | undefined;
  function openIntegrity() {
    const keyFile = config.integrity.signingKeyFile ?? join(config.dataDir, 'signing-key.pem');
    if (!existsSync(keyFile)) {
      throw new CLIError(`No signing key at ${keyFile}: give this command the server's STELE_SIGNING_KEY_FILE or STELE_DATA_DIR (a key is never made here).`);
    }
    const key = loadSigningKey({ configuredFile: config.integrity.signingKeyFile, dataDir: config.dataDir, name: config.integrity.logOrigin });
    const alarms = createIntegrityAlarms({ onRaise: (alarm) => note(`INTEGRITY ALARM for tenant ${alarm.tenant_id}: ${alarm.message} (src/checkpoints/README.md)`) });
    const checkpoints = createCheckpointService({
      store, key, alarms, now,
      everyEvents: config.integrity.checkpointEveryEvents,
      everySeconds: config.integrity.checkpointEverySeconds,
      outside: createOutsideCopiesFromConfig(config.integrity, key, { warn: (_object, message) => note(`warning: ${message}`) }),
    });
    const exports = createExportService({
      store, ingest, formats: EXPORT_FORMATS, now, search: select.compileSearch, savedSearch: select.compileSaved,
      // The cap is for downloads a server holds a connection open for; a local export to a file has none.
      maxRows: Number.MAX_SAFE_INTEGER,
      checkpoints: createExportCheckpoints({ store, checkpoints, noteKey: key.noteKey }),
    });
    return { key, checkpoints, proofs: createProofService({ store, checkpoints }), exports };
  }
  const integrityServices = () => (integrity ??= openIntegrity());

  async function send(events: readonly LineEvent[], options: { batchSize?: number; onProgress?: (done: number) => void } = {}): Promise<SendResult> {
    const result: SendResult = { stored: 0, refused: [] };
    const batchSize = Math.min(options.batchSize ?? config.limits.maxBatchSize, config.limits.maxBatchSize);
    for (let from = 0; from < events.length; from += batchSize) {
      let batch = events.slice(from, from + batchSize);
      // A batch is all-or-nothing: the events Stele names are set aside and the rest sent again.
      while (batch.length > 0) {
        try {
          result.stored += (await ingest.ingest(tenantId, batch.map((item) => item.event))).length;
          break;
        } catch (error) {
          const named = isSteleError(error) ? new Set(error.details.map((d) => d.index).filter((i): i is number => i !== undefined)) : new Set<number>();
          if (!isSteleError(error) || named.size === 0) throw error;
          for (const detail of error.details) {
            if (detail.index !== undefined) result.refused.push({ line: batch[detail.index]!.line, ...(detail.field !== undefined && { field: detail.field }), message: detail.message });
          }
          batch = batch.filter((_, index) => !named.has(index));
        }
      }
      options.onProgress?.(Math.min(events.length, from + batchSize));
    }
    result.refused.sort((a, b) => a.line - b.line);
    return result;
  }

  return {
    description: `${describeStore(config)}, tenant ${tenantId}`,
    send,
    async latest(selection, limit) {
      return (await query.listEvents(tenantId, { ...(await select.fromQuery(tenantId, selection)), sort: 'seq', order: 'desc', limit })).events;
    },
    async feed(selection, afterSeq, waitSeconds, signal) {
      return feed.read(tenantId, { afterSeq, limit: 1000, waitSeconds, ...(await select.fromQuery(tenantId, selection)), ...(signal && { signal }) });
    },
    async export(format, selection, proofs, signal) {
      const filters = filtersFromQuery(selection);
      const q = typeof selection.q === 'string' ? selection.q : undefined;
      const saved = typeof selection.saved_search === 'string' ? selection.saved_search : undefined;
      const opened = await integrityServices().exports.open(tenantId, { filters, ...(q && { q }), ...(saved && { saved_search: saved }), proofs }, formatOf(format), by, signal);
      return { rowCount: opened.rowCount, chunks: opened.chunks };
    },
    async checkpoint({ size, make }) {
      const { checkpoints } = integrityServices();
      if (make) {
        const made = await checkpoints.checkpoint(tenantId);
        if (!made) throw new CLIError('The log is empty; there is nothing to checkpoint yet.');
        return made;
      }
      return size === undefined ? checkpoints.latest(tenantId) : checkpoints.atSize(tenantId, size);
    },
    event: (id) => query.getEvent(tenantId, id),
    inclusionProof: (id, treeSize) => integrityServices().proofs.inclusionProof(tenantId, id, treeSize),
    consistencyProof: (from, to) => integrityServices().proofs.consistencyProof(tenantId, from, to),
    eventTypes: () => createEventTypeService({ store, trail, check: eventTypeCheck }).list(tenantId),
    async publicKey() {
      const { key } = integrityServices();
      return { pem: key.publicPem, note_key: key.noteKey };
    },
    async close() {
      await trail.close();
      await store.close();
    },
  };
}
