// Everything reports need, built from explicit dependencies: figures, renderers and the SOC 2
// packager, report jobs and their worker (the shared job queue, pending-jobs pass and leases of
// src/background/), schedules, delivery and notices (src/destinations/). Registered by the
// composition root; the worker starts when the app is ready and stops when it closes.

import type { FastifyPluginAsync } from 'fastify';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import { createLinkSigner } from '../background/download-link.js';
import { createLeases } from '../background/lease.js';
import { runPendingJobs } from '../background/pending-jobs.js';
import type { SecretBox } from '../background/secret-box.js';
import { createWorkerLoop } from '../background/worker-loop.js';
import type { CheckpointService } from '../checkpoints/checkpoint-service.js';
import type { SigningKey } from '../checkpoints/signing-key.js';
import type { Config } from '../config.js';
import { createDelivery } from '../destinations/deliver.js';
import { createMailer } from '../destinations/mailer.js';
import { createNotifier } from '../destinations/notify.js';
import { createExportCheckpoints } from '../export/export-checkpoints.js';
import { createCsvFormat } from '../export/formats/csv.js';
import type { Guards } from '../http/guards.js';
import type { Store } from '../store/port.js';
import type { VerificationService } from '../verification/verification-service.js';
import { createReportFigures } from './report-figures.js';
import { createReportQueue } from './report-jobs.js';
import { reportRoutes } from './report-routes.js';
import { createReportRunner } from './report-runner.js';
import { reportScheduleRoutes } from './report-schedule-routes.js';
import { createReportScheduleRunner } from './report-schedule-runner.js';
import { createReportScheduleRepository, createReportScheduleService } from './report-schedules.js';
import { createReportService } from './report-service.js';
import { createSoc2Packager } from './soc2-package.js';

export interface ReportFeatureOptions {
  config: Config;
  store: Store;
  guards: Guards;
  trail: AuditTrail;
  secrets: SecretBox;
  checkpoints: CheckpointService;
  signingKey: SigningKey;
  verification: VerificationService;
  now?: () => number;
  pollMs?: number;
  leaseTtlMs?: number;
  /** Waits between webhook attempts (tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
}

export const reportFeature: FastifyPluginAsync<ReportFeatureOptions> = async (app, options) => {
  const { config, store, guards, trail, secrets } = options;
  const now = options.now ?? Date.now;
  const jobs = createReportQueue(store, now);
  const schedules = createReportScheduleRepository(store, now);
  const leases = createLeases(store, { ttlMs: options.leaseTtlMs ?? 60_000, now });
  const links = createLinkSigner({ store, ttlSeconds: config.exportLinkTtlSeconds, now });
  const checkpoints = createExportCheckpoints({ store, checkpoints: options.checkpoints, noteKey: options.signingKey.noteKey });
  const figures = createReportFigures({ store });
  const mailer = config.smtp ? createMailer(config.smtp) : undefined;
  const delivery = createDelivery({
    root: config.exportDirRoot, dataDir: config.dataDir, sftpHosts: config.exportSftpHosts,
    ...(config.secretsKeyFile && { secretsKeyFile: config.secretsKeyFile }), ...(mailer && { mailer }),
  });
  const packager = createSoc2Packager({
    store, figures, checkpoints, key: options.signingKey, csv: createCsvFormat(),
    verify: (tenantId, request) => options.verification.verify(tenantId, request),
    originOf: (tenantId) => options.checkpoints.originOf(tenantId),
  });
  const runner = createReportRunner({
    jobs, figures, packager, checkpoints, trail, links, schedules, delivery, secrets, dataDir: config.dataDir, now,
    notifier: createNotifier({ secrets, now, ...(mailer && { mailer }), ...(options.sleep && { sleep: options.sleep }) }),
  });
  let kick = () => {};
  const reports = createReportService({ jobs, links, checkpoints, trail, secrets, smtp: config.smtp, dataDir: config.dataDir, now, kick: () => kick() });
  const scheduleRunner = createReportScheduleRunner({ schedules, reports, leases, now });
  const worker = createWorkerLoop({
    name: 'report worker',
    pollMs: options.pollMs ?? 1000,
    log: app.log,
    async pass(signal) {
      // Schedules first, so the reports they queue run in the same pass.
      await scheduleRunner.runDue(signal);
      if (signal.aborted) return;
      await runPendingJobs({
        pending: () => jobs.pending(), run: runner.run, leases, leaseName: (id) => `report:${id}`, what: 'report', log: app.log,
      }, signal);
    },
  });
  kick = worker.kick;

  await app.register(reportRoutes, { guards, reports, trail });
  await app.register(reportScheduleRoutes, {
    guards, schedules: createReportScheduleService({ schedules, trail, secrets, sftpHosts: config.exportSftpHosts, smtp: config.smtp, now }),
  });
  app.addHook('onReady', async () => { worker.start(); });
  app.addHook('onClose', async () => {
    await worker.stop();
    mailer?.close();
  });
};
