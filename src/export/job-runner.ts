// Runs one bulk export job to the end: running → done (artifact + manifest written, audit event
// recorded first) or failed. A job re-run after a restart starts over; it reads the same pinned rows,
// so the artifact comes out the same.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonObject } from '../domain/event.js';
import type { IngestService } from '../ingest/ingest-service.js';
import { StoreUnavailableError, type Store } from '../store/port.js';
import { exportedEvent } from './audit-events.js';
import type { ExportCheckpoints } from './export-checkpoints.js';
import { isEvidenceFormat } from './evidence-encoder.js';
import { exportToFile } from './export-to-file.js';
import { selectionWhere, type SearchCompiler } from './export-selection.js';
import type { ExportFormat, ExportFormatName } from './formats/index.js';
import type { ExportJob, JobRepository } from './job-repository.js';
import { hideServerPaths } from './safe-directory.js';

export interface JobRunnerDeps {
  store: Store;
  jobs: JobRepository;
  ingest: IngestService;
  formats: Readonly<Record<ExportFormatName, ExportFormat>>;
  dataDir: string;
  now: () => number;
  search?: SearchCompiler;
  checkpoints: ExportCheckpoints;
}

/** Where a job's files live, relative to the data directory. */
export function jobPaths(job: Pick<ExportJob, 'tenant_id' | 'id'>, extension: string) {
  const base = join('exports', job.tenant_id, job.id);
  return { artifact: `${base}.${extension}.gz`, manifest: `${base}.manifest.json` };
}

// A file under something that is not a directory cannot be there either (rm's force covers only
// ENOENT); without this, a job whose directory could not be made would never be marked failed.
async function removeIfThere(path: string): Promise<void> {
  await rm(path, { force: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOTDIR') throw error;
  });
}

export function createJobRunner(deps: JobRunnerDeps) {
  const iso = () => new Date(deps.now()).toISOString();

  async function discardFiles(job: ExportJob): Promise<void> {
    const paths = jobPaths(job, deps.formats[job.format].fileExtension);
    await Promise.all([removeIfThere(join(deps.dataDir, paths.artifact)), removeIfThere(join(deps.dataDir, paths.manifest))]);
  }

  /** Runs the job with this id; returns quietly when it no longer exists (deleted meanwhile). */
  async function run(tenantId: string, id: string, signal?: AbortSignal): Promise<void> {
    let job = await deps.jobs.get(tenantId, id);
    if (!job || job.status === 'done' || job.status === 'failed') {
      await deps.jobs.finish(id);
      return;
    }
    const format = deps.formats[job.format];
    const paths = jobPaths(job, format.fileExtension);
    let retryLater = false;
    try {
      const where = selectionWhere({ filters: job.filters, ...(job.q && { q: job.q }) }, deps.now(), job.max_seq, deps.search);
      job = { ...job, status: 'running', started_at: iso(), row_count: 0, expected_rows: await deps.store.countEvents(tenantId, where) };
      if (!(await deps.jobs.update(job))) return;
      const running = job;
      const manifest = await exportToFile(deps.store, {
        tenantId, where, format, checkpoints: deps.checkpoints,
        ...(isEvidenceFormat(job.format) && { evidenceFormat: job.format, selection: { filters: job.filters, ...(job.q && { q: job.q }) } }),
        artifactPath: join(deps.dataDir, paths.artifact),
        manifestPath: join(deps.dataDir, paths.manifest),
        manifest: {
          tenantId, source: { kind: 'bulk_export', id }, label: job.label, controlId: job.control_id, period: job.period,
          format: job.format, filters: job.filters, q: job.q, file: paths.artifact.split('/').pop()!, logSize: job.max_seq, createdAt: job.created_at,
        },
        onProgress: async (tally) => {
          // Stopping mid-job leaves it pending: the next start runs it again from the beginning.
          signal?.throwIfAborted();
          await deps.jobs.update({ ...running, row_count: tally.rows });
        },
      });
      // The audit event is committed before the job shows as done, so no finished export is ever
      // missing from the log: a crash in between re-runs the job and records it a second time
      // (at least once, never zero times).
      await deps.ingest.record(tenantId, [exportedEvent({ actor: job.requested_by, context: {} }, 'bulk', {
        job_id: id, format: job.format, filters: job.filters as JsonObject, row_count: manifest.row_count,
        first_seq: manifest.first_seq, last_seq: manifest.last_seq, sha256: manifest.sha256,
        ...(job.label && { label: job.label }), ...(job.control_id && { control_id: job.control_id }),
      })]);
      job = {
        ...job, status: 'done', finished_at: iso(), row_count: manifest.row_count, first_seq: manifest.first_seq, last_seq: manifest.last_seq,
        artifact: { file: paths.artifact, manifest: paths.manifest, bytes: manifest.bytes, sha256: manifest.sha256 },
      };
      // Deleted while running: the export happened (and is recorded), but its files must not stay.
      if (!(await deps.jobs.update(job))) await discardFiles(job);
    } catch (error) {
      if (signal?.aborted) return;
      // The database went away mid-job: the job did nothing wrong. It stays pending, and runs again
      // from the beginning once the database is back (like a job stopped by a shutdown).
      if (error instanceof StoreUnavailableError) {
        retryLater = true;
        await discardFiles(job);
        throw error;
      }
      await discardFiles(job);
      // The job's error is shown to the tenant: no server path in it. The worker logs the original.
      const message = hideServerPaths(error instanceof Error ? error.message : String(error), [], { [deps.dataDir]: '<data dir>' });
      await deps.jobs.update({ ...job, status: 'failed', finished_at: iso(), error: message });
      throw error;
    } finally {
      if (!signal?.aborted && !retryLater) await deps.jobs.finish(id);
    }
  }

  return { run, discardFiles };
}

export type JobRunner = ReturnType<typeof createJobRunner>;
