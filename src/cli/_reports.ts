// `stele reports`: compliance reports and the SOC 2 package (src/reports/), made by a Stele server's
// report worker. `create` asks for one, follows its progress (a bar on a terminal) and downloads
// it to a file, checking the SHA-256 the server sends; `list` shows the tenant's reports. Reports
// are made by a running server (its worker, its signing key), so these commands work over HTTP.

import { defineCommand } from 'citty';
import { createHash } from 'node:crypto';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Transport } from '@stele/sdk';
import { REPORT_TYPES } from '../reports/definitions.js';
import { REPORT_FORMATS } from '../reports/report-jobs.js';
import { CLIError, printJson, usageError } from './_context.js';
import { addExamples } from './_help.js';
import { TARGET_ARGS, type TargetArgs } from './_log-access.js';
import { progressBar } from './_progress.js';
import { onServer } from './_remote.js';

interface ReportView {
  id: string;
  type: string;
  format: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: number;
  period: { from: string; to: string };
  download_url?: string;
  error?: { message?: string } | string;
}

const POLL_MS = 500;

async function onServerOnly<T>(args: TargetArgs, work: (api: Transport, tenant: Record<string, string>) => Promise<T>): Promise<T> {
  const tenant: Record<string, string> = args.tenant === undefined ? {} : { tenant_id: args.tenant };
  const done = await onServer(args, (api) => work(api, tenant));
  if (!done) throw usageError('reports are made by a running Stele server: give --url and --key (or STELE_URL and STELE_API_KEY)');
  return done.value;
}

/** Polls the report until it is done (or failed), showing its progress. */
async function waitFor(api: Transport, id: string, tenant: Record<string, string>, showProgress: boolean): Promise<ReportView> {
  const bar = showProgress ? progressBar('%', 100) : undefined;
  try {
    for (;;) {
      const report = await api.json<ReportView>('GET', `/v1/reports/${encodeURIComponent(id)}`, { query: tenant });
      bar?.update(Math.round(report.progress * 100));
      if (report.status === 'done') return report;
      if (report.status === 'failed') {
        const reason = typeof report.error === 'string' ? report.error : report.error?.message;
        throw new CLIError(`report ${id} failed${reason ? `: ${reason}` : ''}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    bar?.stop();
  }
}

/** Downloads through the signed link to `file` (written beside it first), checking the server's SHA-256. */
async function download(api: Transport, report: ReportView, file: string): Promise<{ bytes: number; sha256: string }> {
  const link = new URL(report.download_url!, api.url);
  const response = await api.stream(link.pathname, { query: Object.fromEntries(link.searchParams) });
  const expected = response.headers['x-stele-sha256'];
  const hash = createHash('sha256');
  let bytes = 0;
  const partial = `${file}.part`;
  try {
    await pipeline(response, new Transform({
      transform(chunk: Buffer, _encoding, callback) { hash.update(chunk); bytes += chunk.length; callback(null, chunk); },
    }), createWriteStream(partial));
    const sha256 = hash.digest('hex');
    if (typeof expected === 'string' && expected !== sha256) throw new CLIError(`the download's SHA-256 ${sha256} is not the server's ${expected}; nothing was kept`);
    renameSync(partial, file);
    return { bytes, sha256 };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

const extensionOf = (format: string) => (format === 'html' ? 'html' : format);

const create = addExamples(defineCommand({
  meta: { description: 'Make a report (or the SOC 2 package) of a period, wait for it and download it' },
  args: {
    type: { type: 'enum', options: [...REPORT_TYPES, 'soc2'], required: true, description: 'Which report; soc2 is the SOC 2 package' },
    from: { type: 'string', required: true, description: 'Start of the period (included): an ISO time or date, or now-30d' },
    to: { type: 'string', default: 'now', description: 'End of the period (excluded): an ISO time or date, or now' },
    format: { type: 'enum', options: [...REPORT_FORMATS, 'zip'], description: 'html, pdf, csv or json (default pdf); zip for soc2' },
    out: { type: 'string', description: 'The file to write (default: <type>-<report id>.<format>)' },
    ...TARGET_ARGS,
    json: { type: 'boolean', description: 'Print what was written as JSON: {id, file, bytes, sha256}' },
  },
  run: ({ args }) => onServerOnly(args, async (api, tenant) => {
    const format = args.format ?? (args.type === 'soc2' ? 'zip' : 'pdf');
    const asked = await api.json<ReportView>('POST', '/v1/reports', { query: tenant, body: { type: args.type, from: args.from, to: args.to, format } });
    const done = await waitFor(api, asked.id, tenant, process.stderr.isTTY && !args.json);
    const file = args.out ?? `${args.type}-${done.id}.${extensionOf(format)}`;
    const written = await download(api, done, file);
    if (args.json) printJson({ id: done.id, file, bytes: written.bytes, sha256: written.sha256, period: done.period });
    else console.log(`${file}: ${args.type} ${format}, ${done.period.from} to ${done.period.to}, ${written.bytes} bytes, sha256 ${written.sha256}`);
  }),
}), [
  'stele reports create --type login_activity --from now-30d --out logins.pdf',
  'stele reports create --type soc2 --from 2026-10-01 --to 2026-11-01 --out soc2.zip && stele verify --package soc2.zip --public-key stele.pem',
]);

const list = addExamples(defineCommand({
  meta: { description: 'The tenant\'s reports: id, type, format, period, status (JSON)' },
  args: { ...TARGET_ARGS },
  run: ({ args }) => onServerOnly(args, async (api, tenant) => {
    const { reports } = await api.json<{ reports: ReportView[] }>('GET', '/v1/reports', { query: tenant });
    printJson(reports.map((r) => ({ id: r.id, type: r.type, format: r.format, period: r.period, status: r.status })));
  }),
}), ['stele reports list --url http://127.0.0.1:8080 --key $STELE_API_KEY']);

export const reportsCommand = addExamples(defineCommand({
  meta: { name: 'reports', description: 'Compliance reports and the SOC 2 package, made by a Stele server' },
  subCommands: { create, list },
}), ['stele reports create --type soc2 --from now-30d --out soc2.zip', 'stele reports list']);
