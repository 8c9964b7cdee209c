// Offline verification of a report package (the SOC 2 zip, reports/soc2-package.ts), used by
// `stele verify --package`. No server, no database: the zip and the instance's public key.
//
// 1. MANIFEST is a note signed by the instance key; every file of the zip is listed in it with
//    its SHA-256 and size, and nothing else is in the zip.
// 2. events.ndjson is an evidence file: every event's proof against the signed checkpoint, the
//    signed statement of how many events it holds (integrity/evidence/), and checkpoint.txt is
//    that checkpoint. Every event is the package's tenant's, in its period, up to its log size,
//    except the records the file carries to explain its tombstones: an `audit.deleted`,
//    `audit.erased` or `retention.purged` record outside the period (or beyond the log size: a
//    deletion after the package was asked for) that names a tombstone of the period. Those are
//    checked as evidence (proof, statement, explanation) but are not events of the period, so
//    they are neither counted in the figures nor refused as out of period.
// 3. summary.json is recomputed from the events (reports/offline-figures.ts), summary.html is
//    rendered again from it, and each section's CSV holds as many events as the section selects.
// The server's own verification (verification.json) is reported as what the server said.

import { createHash, createPublicKey } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { StoredEvent } from '../domain/event.js';
import {
  EvidenceVerifier, explainedBy, HEADER_KEY, isTombstone, isEvidenceHeader, isEvidenceTrailer, keyId, NoteError, parseCosignerKey, parseNote, parsePackageManifest,
  publicKeyFromRaw, rawPublicKey, TRAILER_KEY, verifyNote, type EvidenceTrailer, type PackageManifest,
} from '@stele/integrity';
import { tenantOfOrigin } from '../checkpoints/log-origin.js';
import { SOC2 } from './definitions.js';
import { createOfflineReport } from './offline-figures.js';
import { renderHtml } from './render-html.js';
import type { ReportDocument } from './report-document.js';
import { PACKAGE_FILES, PACKAGE_KIND, sectionCsvName } from './soc2-package.js';

export interface PackageCheck {
  check: string;
  ok: boolean;
  message: string;
}

export interface PackageVerification {
  ok: boolean;
  tenantId: string | undefined;
  period: { from: string; to: string } | undefined;
  events: number;
  checks: PackageCheck[];
  warnings: string[];
}

export interface VerifyPackageOptions {
  file: string;
  /** The instance key, obtained apart from the package. Without it the package's own key is used, with a warning. */
  publicKeyPem?: string;
  witnessKeys?: readonly string[];
  minWitnesses?: number;
}

interface Zip {
  entries: Map<string, yauzl.Entry>;
  open(entry: yauzl.Entry): Promise<Readable>;
  close(): void;
}

async function openZip(file: string): Promise<Zip> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true }, (error, opened) => (error ? reject(error) : resolve(opened!))));
  const entries = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entries.has(entry.fileName)) return reject(new Error(`${file} holds ${entry.fileName} twice`));
      entries.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.once('end', resolve);
    zip.once('error', reject);
    zip.readEntry();
  });
  return {
    entries,
    open: (entry) => new Promise((resolve, reject) => zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream!)))),
    close: () => zip.close(),
  };
}

/** Reads a stream whole, hashing it. */
async function readAll(stream: Readable): Promise<{ bytes: Buffer; sha256: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Counts the records of an RFC 4180 CSV (CRLF outside quotes), hashing it on the way. */
async function countCsv(stream: Readable): Promise<{ records: number; bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let records = 0;
  let bytes = 0;
  let quoted = false;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytes += buffer.length;
    for (const byte of buffer) {
      if (byte === 0x22) quoted = !quoted;
      else if (byte === 0x0a && !quoted) records += 1;
    }
  }
  return { records, bytes, sha256: hash.digest('hex') };
}

export async function verifyPackage(options: VerifyPackageOptions): Promise<PackageVerification> {
  const checks: PackageCheck[] = [];
  const warnings: string[] = [];
  const pass = (check: string, message: string) => checks.push({ check, ok: true, message });
  const fail = (check: string, message: string) => checks.push({ check, ok: false, message });
  const hashes = new Map<string, { sha256: string; bytes: number }>();
  const zip = await openZip(options.file);
  let events = 0;
  let tenantId: string | undefined;
  let period: { from: string; to: string } | undefined;
  try {
    const read = async (name: string) => {
      const entry = zip.entries.get(name);
      if (!entry) return undefined;
      const content = await readAll(await zip.open(entry));
      hashes.set(name, { sha256: content.sha256, bytes: content.bytes.length });
      return content.bytes;
    };

    // The key: the one given, or (with a warning) the package's own.
    const packagedPem = (await read(PACKAGE_FILES.publicKey))?.toString('utf8');
    const pem = options.publicKeyPem ?? packagedPem;
    if (!pem) throw new Error('the package holds no public-key.pem, and no --public-key was given');
    const publicKey = rawPublicKey(createPublicKey(pem));
    if (!options.publicKeyPem) warnings.push('the public key was taken from the package itself: anyone who can rewrite the package can replace it. Pass --public-key with the key you hold (GET /v1/integrity/public-key).');
    else if (packagedPem && !rawPublicKey(createPublicKey(packagedPem)).every((b, i) => b === publicKey[i])) fail('public key', 'public-key.pem in the package is not the key you gave');

    // 1. The signed manifest.
    const manifestText = (await read(PACKAGE_FILES.manifest))?.toString('utf8');
    let manifest: PackageManifest | undefined;
    if (!manifestText) fail('manifest', 'the package has no MANIFEST');
    else {
      try {
        const signer = parseNote(manifestText).signatures[0];
        if (!signer) throw new NoteError('no_signature', 'the MANIFEST is not signed');
        manifest = parsePackageManifest(verifyNote(manifestText, { name: signer.name, keyId: keyId(signer.name, publicKey), publicKey: publicKeyFromRaw(publicKey) }));
        tenantId = tenantOfOrigin(manifest.origin);
        period = { from: manifest.from, to: manifest.to };
        if (manifest.kind !== PACKAGE_KIND) fail('manifest', `the package is a ${manifest.kind} package, not ${PACKAGE_KIND}`);
        pass('manifest signature', `MANIFEST is signed by the instance key (${signer.name}): ${manifest.files.length} files, tenant ${tenantId}, ${manifest.from} to ${manifest.to}, events up to seq ${manifest.logSize}`);
      } catch (error) {
        if (!(error instanceof NoteError)) throw error;
        fail('manifest signature', `MANIFEST does not verify with the public key: ${error.message}`);
      }
    }

    const summaryBytes = await read(PACKAGE_FILES.summary);
    const checkpointText = (await read(PACKAGE_FILES.checkpoint))?.toString('utf8');
    let summary: ReportDocument | undefined;
    try {
      summary = summaryBytes && JSON.parse(summaryBytes.toString('utf8')) as ReportDocument;
    } catch {
      fail('summary', 'summary.json is not JSON');
    }

    // 2. The events, streamed through the evidence verifier and the recomputation.
    const offline = createOfflineReport(SOC2);
    const eventsEntry = zip.entries.get(PACKAGE_FILES.events);
    if (!eventsEntry) fail('events', 'the package has no events.ndjson');
    else {
      const hash = createHash('sha256');
      let bytes = 0;
      const stream = await zip.open(eventsEntry);
      stream.on('data', (chunk: Buffer) => { hash.update(chunk); bytes += chunk.length; });
      let verifier: EvidenceVerifier | undefined;
      let trailer: EvidenceTrailer | undefined;
      let outside = 0;
      let explaining = 0;
      // The seqs of the period's tombstones, ascending (the file is in seq order; the verifier
      // fails it otherwise), so a record beyond the period can be asked whether it explains one.
      const tombstones: number[] = [];
      const explainsATombstone = (event: StoredEvent): boolean => {
        const explained = explainedBy(event);
        return explained !== undefined && explained.ranges.some(([low, high]) => {
          let lo = 0;
          let hi = tombstones.length;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (tombstones[mid]! < low) lo = mid + 1;
            else hi = mid;
          }
          return lo < tombstones.length && tombstones[lo]! <= high;
        });
      };
      let line = 0;
      const from = period ? Date.parse(period.from) : -Infinity;
      const to = period ? Date.parse(period.to) : Infinity;
      for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
        line += 1;
        if (text.trim() === '') continue;
        let item: Record<string, unknown>;
        try {
          item = JSON.parse(text) as Record<string, unknown>;
        } catch {
          fail('events', `line ${line} of events.ndjson is not JSON`);
          break;
        }
        if (line === 1) {
          if (!isEvidenceHeader(item)) { fail('events', 'events.ndjson does not start with an evidence header'); break; }
          const header = item[HEADER_KEY];
          if (checkpointText !== undefined && header.checkpoint !== checkpointText) fail('checkpoint', 'checkpoint.txt is not the checkpoint the events are proved against');
          verifier = new EvidenceVerifier({
            header, publicKey, minCosignatures: options.minWitnesses ?? 0,
            witnesses: (options.witnessKeys ?? []).map((k) => parseCosignerKey(k)),
          });
          continue;
        }
        if (trailer !== undefined) { verifier?.push(item as unknown as StoredEvent); trailer = undefined; continue; }
        if (isEvidenceTrailer(item)) { trailer = item[TRAILER_KEY]; continue; }
        const event = item as unknown as StoredEvent;
        verifier?.push(event);
        const at = Date.parse(event.occurred_at);
        const ofTenant = tenantId === undefined || event.tenant_id === tenantId;
        const ofPeriod = ofTenant && at >= from && at < to && !(manifest && event.seq > manifest.logSize);
        // Beyond the period, only a record that explains a tombstone of the period has its place.
        if (!ofPeriod && ofTenant && explainsATombstone(event)) {
          explaining += 1;
          continue;
        }
        offline.push(event);
        events += 1;
        if (!ofPeriod) outside += 1;
        else if (isTombstone(event) && Number.isSafeInteger(event.seq)) tombstones.push(event.seq);
      }
      hashes.set(PACKAGE_FILES.events, { sha256: hash.digest('hex'), bytes });
      if (verifier) {
        const summaryOfEvidence = verifier.finish(trailer);
        if (summaryOfEvidence.ok) pass('event proofs', `${summaryOfEvidence.checked} events, each proved in the log at tree size ${summaryOfEvidence.checkpoint?.size} against its signed checkpoint; the signed statement lists exactly these events`);
        else fail('event proofs', summaryOfEvidence.failures.slice(0, 3).map((f) => `seq ${f.seq}: ${f.reason}: ${f.message}`).join('; ') + (summaryOfEvidence.failures.length > 3 ? `; and ${summaryOfEvidence.failures.length - 3} more` : ''));
      }
      if (outside > 0) fail('period', `${outside} event(s) are not of the package's tenant, period or log size`);
      else {
        const besides = explaining > 0 ? `; besides them, ${explaining} deletion, erasure or purge record(s) from outside the period that explain its tombstones (not counted in the figures)` : '';
        pass('period', `every event is of tenant ${tenantId}, from ${period?.from} to ${period?.to}, up to seq ${manifest?.logSize}${besides}`);
      }
    }

    // 3. The summary, recomputed; the HTML rendered again; the CSVs counted.
    if (summary) {
      const recomputed = offline.sections();
      const differences: string[] = [];
      recomputed.forEach((section, i) => {
        const stated = summary!.sections?.[i];
        for (const figure of section.figures) {
          const claimed = stated?.figures?.find((f) => f.id === figure.id)?.value;
          if (claimed !== figure.value) differences.push(`${section.title}: ${figure.label} is ${figure.value} in the events, ${String(claimed)} in the summary`);
        }
        section.tables.forEach((table, t) => {
          if (!isDeepStrictEqual(table, stated?.tables?.[t])) differences.push(`${section.title}: the table "${table.title}" differs from the events`);
        });
      });
      if (recomputed.length !== summary.sections?.length) differences.push('the summary has other sections than a SOC 2 package');
      if (period && (summary.period?.from !== period.from || summary.period?.to !== period.to || summary.tenant_id !== tenantId)) differences.push('the summary is of another tenant or period than the MANIFEST');
      if (differences.length === 0) pass('figures', `every figure and table of summary.json recomputes from the events (${recomputed.reduce((n, s) => n + s.figures.length, 0)} figures, ${recomputed.reduce((n, s) => n + s.tables.length, 0)} tables)`);
      else fail('figures', differences.slice(0, 5).join('; ') + (differences.length > 5 ? `; and ${differences.length - 5} more` : ''));
      const html = await read(PACKAGE_FILES.html);
      if (html && html.toString('utf8') === renderHtml(summary)) pass('summary.html', 'summary.html is exactly summary.json rendered');
      else fail('summary.html', 'summary.html is not summary.json rendered');
      const counts = offline.sectionCounts();
      for (const section of SOC2.sections) {
        const name = sectionCsvName(section.id);
        const entry = zip.entries.get(name);
        if (!entry) { fail(name, `the package has no ${name}`); continue; }
        const counted = await countCsv(await zip.open(entry));
        hashes.set(name, { sha256: counted.sha256, bytes: counted.bytes });
        if (counted.records - 1 === counts[section.id]) pass(name, `${name} lists the ${counts[section.id]} events of "${section.title}"`);
        else fail(name, `${name} lists ${counted.records - 1} events; the events of the period hold ${counts[section.id]} for "${section.title}"`);
      }
    }

    const verification = await read(PACKAGE_FILES.verification);
    if (verification) {
      try {
        const claimed = JSON.parse(verification.toString('utf8')) as { ok?: boolean; checked?: number; from_seq?: number; to_seq?: number };
        warnings.push(`the server's own verification of seq ${claimed.from_seq}..${claimed.to_seq} said ${claimed.ok ? 'ok' : 'NOT ok'} (${claimed.checked} events); that is its claim, signed in the MANIFEST, and checked here only through the proofs above`);
      } catch {
        fail('verification.json', 'verification.json is not JSON');
      }
    }

    // Every other file is hashed too, then everything is held against the MANIFEST.
    for (const name of zip.entries.keys()) if (!hashes.has(name)) await read(name);
    if (manifest) {
      const listed = new Map(manifest.files.map((f) => [f.name, f]));
      const problems: string[] = [];
      for (const name of zip.entries.keys()) {
        if (name === PACKAGE_FILES.manifest) continue;
        const want = listed.get(name);
        const got = hashes.get(name)!;
        if (!want) problems.push(`${name} is in the zip but not in the MANIFEST`);
        else if (want.sha256 !== got.sha256 || want.bytes !== got.bytes) problems.push(`${name} has been changed (SHA-256 ${got.sha256}, the MANIFEST says ${want.sha256})`);
      }
      for (const name of listed.keys()) if (!zip.entries.has(name)) problems.push(`${name} is in the MANIFEST but missing from the zip`);
      if (problems.length === 0) pass('files', `every file's SHA-256 and size match the signed MANIFEST, and the zip holds nothing else`);
      else fail('files', problems.join('; '));
    }
  } finally {
    zip.close();
  }
  return { ok: checks.length > 0 && checks.every((c) => c.ok), tenantId, period, events, checks, warnings };
}
