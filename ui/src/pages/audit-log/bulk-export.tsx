// A bulk export job for a view over the direct-download cap: POST /v1/exports with the view's
// filters and q, then poll GET /v1/exports/{id} for progress until it is done and has a signed
// download link (which needs no cookie: the link is the credential).

import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ErrorMessage } from '../../components/status';
import { ApiError, api } from '../../lib/api';
import type { ExportJob } from '../../lib/types';
import { FORMATS } from './export-menu';

const POLL_MS = 1000;

function bodyOf(params: URLSearchParams, format: string) {
  const filters: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    if (name === 'q') continue;
    const values = params.getAll(name);
    filters[name] = name === 'action' || name === 'category' ? values : values[0]!;
  }
  const q = params.get('q');
  return { format, filters, ...(q ? { q } : {}) };
}

const size = (bytes: number) => (bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 ** 2).toFixed(1)} MB`);

export default function BulkExport({ params }: { params: URLSearchParams }) {
  const id = useId();
  const [format, setFormat] = useState<string>('csv');
  const [job, setJob] = useState<ExportJob | undefined>();
  const [failure, setFailure] = useState<Error | undefined>();
  const [starting, setStarting] = useState(false);
  const download = useRef<HTMLAnchorElement>(null);
  const status = useRef<HTMLDivElement>(null);
  const finished = job?.status === 'done' || job?.status === 'failed';

  // Poll while the job runs; stop when it ends or the menu goes away. A dropped connection or a
  // 5xx is shown and retried (the job keeps running on the server); a 4xx (say, the job was
  // deleted) stops the polling.
  const [retries, setRetries] = useState(0);
  useEffect(() => {
    if (!job || finished) return undefined;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api<ExportJob>(`/v1/exports/${encodeURIComponent(job.id)}`, { signal: controller.signal }).then((next) => {
        setFailure(undefined);
        setJob(next);
      }, (error: Error) => {
        if (error.name === 'AbortError') return;
        setFailure(error);
        if (!(error instanceof ApiError) || error.status === 0 || error.status === 429 || error.status >= 500) setRetries((n) => n + 1);
      });
    }, POLL_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [job, finished, retries]);

  // The form goes away once the job starts: keep focus in the panel, on the job's status.
  useEffect(() => {
    if (job && document.activeElement === document.body) status.current?.focus();
  }, [job?.id]);

  // When the file is ready, move focus to its link if the reader was waiting in this panel.
  useEffect(() => {
    if (job?.status === 'done' && download.current && download.current.closest('details')?.contains(document.activeElement)) download.current.focus();
  }, [job?.status]);

  const start = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    setStarting(true);
    try {
      setJob(await api<ExportJob>('/v1/exports', { method: 'POST', body: bodyOf(params, format) }));
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setStarting(false);
    }
  };

  const label = FORMATS.find((f) => f.value === (job?.format ?? format))?.label ?? format;
  const percent = job ? Math.round(job.progress * 100) : 0;

  return (
    <div className="bulk-export">
      {(!job || job.status === 'failed') && (
        <form onSubmit={start} aria-label="Bulk export">
          <label htmlFor={`${id}-format`}>Format</label>
          <div className="inline">
            <select id={`${id}-format`} value={format} onChange={(e) => setFormat(e.target.value)}>
              {FORMATS.map((f) => <option key={f.value} value={f.value}>{f.label}</option>)}
            </select>
            <button type="submit" className="primary" disabled={starting}>Start bulk export</button>
          </div>
        </form>
      )}
      {job && (
        <div role="status" className="job" ref={status} tabIndex={-1}>
          {job.status === 'queued' && <p>Bulk {label} export queued…</p>}
          {job.status === 'running' && (
            <p>Exporting {label}: {job.row_count.toLocaleString('en')}{job.expected_rows !== null ? ` of ${job.expected_rows.toLocaleString('en')}` : ''} rows</p>
          )}
          {job.status === 'done' && <p>Your {label} export is ready: {job.row_count.toLocaleString('en')} rows.</p>}
          {job.status === 'failed' && <p className="field-error">The export failed: {job.error ?? 'no reason given'}. Try again, or narrow the filters.</p>}
        </div>
      )}
      {job && !finished && (
        <>
          <label htmlFor={`${id}-progress`} className="visually-hidden">Bulk export progress</label>
          <progress id={`${id}-progress`} max={100} value={percent}>{percent}%</progress>
        </>
      )}
      {job?.status === 'done' && job.download_url && (
        <p>
          <a ref={download} href={job.download_url} download className="download">
            Download {label} (gzip{job.bytes !== undefined ? `, ${size(job.bytes)}` : ''})
          </a>
          {job.download_expires_at && <span className="help">The link works until {job.download_expires_at.replace('T', ' ').slice(0, 16)} UTC.</span>}
        </p>
      )}
      {failure && <ErrorMessage error={failure} />}
    </div>
  );
}
