// The SOC 2 package: one zip an auditor can check without trusting the server.
//
//   README.txt            what is inside and how to check it
//   summary.json          the four sections' figures and tables (the document the HTML and PDF show)
//   summary.html, .pdf    the same, to read and print
//   <section>.csv         every event of the section in the period (the export CSV's columns)
//   events.ndjson         every event of the period with its inclusion proof: an evidence file
//                         (export/evidence-encoder.ts) pinned to the checkpoint below, with the
//                         record that explains each tombstone (checked apart by the verifier)
//   checkpoint.txt        that checkpoint, signed with the instance key (C2SP signed note)
//   public-key.pem        the instance's public key (check it against the one you know)
//   verification.json     the server's verification of the period's seq range
//   MANIFEST              a signed note listing every file above with its SHA-256 and size
//
// `stele verify --package soc2.zip --public-key stele.pem` checks the signature, every hash, every
// event's proof, that the events are the period's, and recomputes summary.json from the events.
// Everything is streamed: the events are read a page at a time, straight into the zip.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import yazl from 'yazl';
import { writeArtifact } from '../background/artifact-writer.js';
import { withEvidencePin, type ExportCheckpoints } from '../export/export-checkpoints.js';
import { encodeEvents, newTally } from '../export/encode-events.js';
import { encodeEvidence, ForgottenMeanwhileError, type EvidencePin } from '../export/evidence-encoder.js';
import type { ExportFormat } from '../export/formats/index.js';
import { formatPackageManifest, signNote, type PackageFile } from '@stele/integrity';
import type { SigningKey } from '../checkpoints/signing-key.js';
import { iterateEventPages } from '../query/event-iterator.js';
import { and, sql } from '../sql/fragments.js';
import type { Store } from '../store/port.js';
import type { VerifyRequest, VerifyResult } from '../verification/verification-service.js';
import { SOC2 } from './definitions.js';
import { renderHtml } from './render-html.js';
import { renderPdf } from './render-pdf.js';
import type { ReportDocument } from './report-document.js';
import type { ReportFigures, ReportScope } from './report-figures.js';

export const PACKAGE_KIND = 'soc2';
export const PACKAGE_FILES = {
  readme: 'README.txt', summary: 'summary.json', html: 'summary.html', pdf: 'summary.pdf', events: 'events.ndjson',
  checkpoint: 'checkpoint.txt', publicKey: 'public-key.pem', verification: 'verification.json', manifest: 'MANIFEST',
} as const;
/** The CSV of a section: `access_control` → `access-control.csv`. */
export const sectionCsvName = (sectionId: string) => `${sectionId.replace(/_/g, '-')}.csv`;

export interface PackageDeps {
  store: Store;
  figures: ReportFigures;
  checkpoints: ExportCheckpoints;
  verify(tenantId: string, request: VerifyRequest): Promise<VerifyResult>;
  key: Pick<SigningKey, 'name' | 'privateKey' | 'publicPem'>;
  originOf(tenantId: string): string;
  csv: ExportFormat;
}

export interface WrittenPackage {
  document: ReportDocument;
  bytes: number;
  sha256: string;
  events: number;
  files: PackageFile[];
}

const README = (document: ReportDocument) => `SOC 2 audit evidence from Stele
Tenant ${document.tenant_id}, ${document.period.from} to ${document.period.to} (end excluded), events up to seq ${document.log_size}.

summary.html / summary.pdf  the four sections: access control audit, change management log,
                            security event summary, user activity
summary.json                the same figures and tables, machine-readable
*.csv                       every event of each section in the period
events.ndjson               every event of the period, each with its inclusion proof against
                            checkpoint.txt, and a signed statement of how many there are; an
                            event deleted since is a tombstone, with the signed record that
                            explains it (even one made after the period)
checkpoint.txt              the signed checkpoint (C2SP signed note) the proofs lead to
public-key.pem              the instance key that signed it: compare it with the one you hold
verification.json           the server's own verification of this range of the log
MANIFEST                    a signed note listing every file with its SHA-256 and size

Check it offline, with the public key you obtained apart from this file:

  npx stele verify --package <this zip> --public-key stele.pem

That checks the MANIFEST's signature and every file's hash, every event's proof and the signed
statement, that every event is of this tenant and period, and recomputes summary.json from the
events (and summary.html from summary.json).
`;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function createSoc2Packager(deps: PackageDeps) {
  /** Writes the package to `path`; `onProgress` gets a fraction from 0 to 1. */
  async function write(scope: ReportScope, generatedAt: string, path: string, onProgress?: (fraction: number) => Promise<void>): Promise<WrittenPackage> {
    // Pinned first: an event of the period forgotten from here on is explained by a record beyond
    // the checkpoint, or becomes a tombstone the figures did not see; either way it is written again.
    return withEvidencePin(deps.checkpoints, scope.tenantId, scope.logSize, deps.figures.periodOf(scope), async (pin) => {
      if (!pin) throw new Error('the log is empty: there is nothing to package');
      return writeOnce(scope, generatedAt, path, pin, onProgress);
    });
  }

  async function writeOnce(scope: ReportScope, generatedAt: string, path: string, pin: EvidencePin, onProgress?: (fraction: number) => Promise<void>): Promise<WrittenPackage> {
    const period = deps.figures.periodOf(scope);
    // Tombstones only ever appear: as many in the events file as before the figures means the
    // figures, the CSVs and the events all read the same content.
    const forgottenBefore = await deps.store.countEvents(scope.tenantId, and([period, sql('forgotten_by IS NOT NULL')]));
    const document = await deps.figures.compute(scope, SOC2, generatedAt, (done) => onProgress?.(0.2 * (done / SOC2.sections.length)) ?? Promise.resolve());
    const expected = document.sections.find((s) => s.id === 'user_activity')!.figures.find((f) => f.id === 'events')!.value;
    const mtime = new Date(generatedAt);
    const files: PackageFile[] = [];
    const zip = new yazl.ZipFile();
    const written = writeArtifact(path, zip.outputStream as unknown as AsyncIterable<Uint8Array>);
    written.catch(() => undefined);

    const addBuffer = (name: string, content: string | Buffer) => {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      zip.addBuffer(bytes, name, { mtime });
      files.push({ name, sha256: sha256(bytes), bytes: bytes.length });
    };
    /** Adds a streamed file and resolves once the zip has taken all of it (yazl reads entries in order). */
    const addStream = (name: string, chunks: AsyncIterable<string | Uint8Array>) => new Promise<void>((resolve, reject) => {
      const hash = createHash('sha256');
      let bytes = 0;
      const source = Readable.from((async function* () {
        for await (const chunk of chunks) {
          const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
          hash.update(buffer);
          bytes += buffer.length;
          yield buffer;
        }
      })());
      source.once('end', () => {
        files.push({ name, sha256: hash.digest('hex'), bytes });
        resolve();
      });
      source.once('error', reject);
      zip.addReadStream(source, name, { mtime });
    });

    try {
      addBuffer(PACKAGE_FILES.readme, README(document));
      addBuffer(PACKAGE_FILES.summary, `${JSON.stringify(document, null, 2)}\n`);
      addBuffer(PACKAGE_FILES.html, renderHtml(document));
      addBuffer(PACKAGE_FILES.pdf, await renderPdf(document));
      for (const section of SOC2.sections) {
        const where = and([period, deps.figures.selection(section.match)]);
        await addStream(sectionCsvName(section.id), encodeEvents(deps.csv, iterateEventPages(deps.store, scope.tenantId, { where }), newTally()));
      }
      const tally = newTally();
      let reported = 0;
      const pages = (async function* () {
        for await (const page of iterateEventPages(deps.store, scope.tenantId, { where: period })) {
          yield page;
          if (onProgress && tally.rows - reported >= 5000) {
            reported = tally.rows;
            await onProgress(0.2 + 0.75 * Math.min(1, tally.rows / Math.max(expected, 1)));
          }
        }
      })();
      await addStream(PACKAGE_FILES.events, encodeEvidence('ndjson', pages, pin, { period: document.period, filters: scope.filters, log_size: scope.logSize }, tally));
      if ((tally.forgotten ?? 0) > forgottenBefore) {
        throw new ForgottenMeanwhileError(pin.checkpoint.tree_size, 'events of the period were forgotten while the package was written: its figures and CSVs no longer match its events');
      }
      addBuffer(PACKAGE_FILES.checkpoint, pin.checkpoint.checkpoint);
      addBuffer(PACKAGE_FILES.publicKey, deps.key.publicPem);
      addBuffer(PACKAGE_FILES.verification, `${JSON.stringify(await deps.verify(scope.tenantId, { since: document.period.from, until: document.period.to, to_seq: scope.logSize }), null, 2)}\n`);
      const manifest = signNote(formatPackageManifest({
        origin: deps.originOf(scope.tenantId), kind: PACKAGE_KIND, from: document.period.from, to: document.period.to, logSize: scope.logSize, files,
      }), deps.key.name, deps.key.privateKey);
      zip.addBuffer(Buffer.from(manifest, 'utf8'), PACKAGE_FILES.manifest, { mtime });
      zip.end();
      const artifact = await written;
      // The records carried only to explain tombstones are not events of the period.
      return { document, bytes: artifact.bytes, sha256: artifact.sha256, events: tally.rows - (tally.carried ?? 0), files };
    } catch (error) {
      (zip.outputStream as unknown as Readable).destroy(error as Error);
      await written.catch(() => undefined);
      throw error;
    }
  }

  return { write };
}

export type Soc2Packager = ReturnType<typeof createSoc2Packager>;
