// Everything "getting data out" needs, built from explicit dependencies: the synchronous export,
// bulk jobs and their worker, evidence, schedules. Registered by the composition root; the worker
// starts when the app is ready and stops (aborting, not losing, the current job) when it closes.

import type { FastifyPluginAsync } from 'fastify';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { Guards } from '../http/guards.js';
import type { CheckpointService } from '../checkpoints/checkpoint-service.js';
import type { Config } from '../config.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { Store } from '../store/port.js';
import { VERSION } from '../version.js';
import { createLinkSigner } from '../background/download-link.js';
import { evidenceRoutes } from './evidence-routes.js';
import { createExportCheckpoints } from './export-checkpoints.js';
import { exportRoutes } from './export-routes.js';
import type { SavedSearchCompiler, SearchCompiler } from './export-selection.js';
import { createExportService } from './export-service.js';
import { createExportWorker } from './export-worker.js';
import { createExportFormats } from './formats/index.js';
import { createJobRepository } from './job-repository.js';
import { jobRoutes } from './job-routes.js';
import { createLeases } from '../background/lease.js';
import { createJobRunner } from './job-runner.js';
import { createJobService } from './job-service.js';
import { createScheduleRepository } from './schedule-repository.js';
import { scheduleRoutes } from './schedule-routes.js';
import { createScheduleRunner } from './schedule-runner.js';
import { createScheduleService } from './schedule-service.js';
import type { SecretBox } from '../background/secret-box.js';
import { createMailer } from '../destinations/mailer.js';
import { createNotifier } from '../destinations/notify.js';

export interface ExportFeatureOptions {
  config: Config;
  store: Store;
  guards: Guards;
  ingest: IngestService;
  /** Records schedules and jobs created or deleted. */
  trail: AuditTrail;
  /** Seals SFTP credentials (the instance's one secret box, src/background/secret-box.ts). */
  secrets: SecretBox;
  /** Signs the checkpoints that bulk and scheduled manifests carry. */
  checkpoints: CheckpointService;
  /** The instance's signed-note verifier key, written into manifests beside the checkpoint. */
  noteKey: string;
  now?: () => number;
  /** The search language, once it is wired (see export-selection.ts). */
  search?: SearchCompiler;
  /** Saved searches (`saved_search=ID`) for downloads. */
  savedSearch?: SavedSearchCompiler;
  /** How often the worker looks for jobs from other processes and due schedules. */
  pollMs?: number;
  /** How long a node's hold on a running job or schedule lasts without renewal (renewed every third). */
  leaseTtlMs?: number;
  /** Waits between notice webhook attempts (tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
}

export const exportFeature: FastifyPluginAsync<ExportFeatureOptions> = async (app, options) => {
  const { config, store, guards, ingest, trail, search, savedSearch, secrets } = options;
  const now = options.now ?? Date.now;
  const formats = createExportFormats({ product: { vendor: 'Stele', name: 'AuditLog', version: VERSION } });
  const jobRepository = createJobRepository(store, now);
  const scheduleRepository = createScheduleRepository(store, now);
  const leases = createLeases(store, { ttlMs: options.leaseTtlMs ?? 60_000, now });
  const sftpHosts = config.exportSftpHosts;
  const checkpoints = createExportCheckpoints({ store, checkpoints: options.checkpoints, noteKey: options.noteKey });
  const mailer = config.smtp ? createMailer(config.smtp) : undefined;
  const links = createLinkSigner({ store, ttlSeconds: config.exportLinkTtlSeconds, now });
  const runner = createJobRunner({
    store, jobs: jobRepository, ingest, formats, dataDir: config.dataDir, now, checkpoints, ...(search && { search }), links,
    notifier: createNotifier({ secrets, now, ...(mailer && { mailer }), ...(options.sleep && { sleep: options.sleep }) }),
  });
  const worker = createExportWorker({
    jobs: jobRepository, runner, pollMs: options.pollMs ?? 1000, log: app.log, leases,
    schedules: createScheduleRunner({ store, schedules: scheduleRepository, ingest, formats, root: config.exportDirRoot, now, checkpoints, leases, dataDir: config.dataDir, secrets, secretsKeyFile: config.secretsKeyFile, sftpHosts }),
  });
  const jobs = createJobService({
    store, jobs: jobRepository, runner, ingest, trail, formats, dataDir: config.dataDir, now, kick: worker.kick, checkpoints, ...(search && { search }),
    links, secrets, smtp: config.smtp,
  });

  await app.register(exportRoutes, { guards, exports: createExportService({
    store, ingest, formats, maxRows: config.exportMaxRows, now, checkpoints, ...(search && { search }), ...(savedSearch && { savedSearch }),
  }) });
  await app.register(jobRoutes, { guards, jobs });
  await app.register(evidenceRoutes, { guards, jobs, now });
  await app.register(scheduleRoutes, { guards, schedules: createScheduleService({ store, schedules: scheduleRepository, now, secrets, sftpHosts, trail }) });

  app.addHook('onReady', async () => { worker.start(); });
  app.addHook('onClose', async () => {
    await worker.stop();
    mailer?.close();
  });
};
