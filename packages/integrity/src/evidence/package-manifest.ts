// The manifest of a report package (the SOC 2 zip): a signed note, like a checkpoint, whose body
// names the package, its log, its period and every file in it with its SHA-256 and size:
//
//   stele-package/v1
//   <checkpoint origin of the tenant's log>
//   <kind> <period start> <period end>
//   <log size>
//   <sha256 hex> <bytes> <file name>        (one line per file, in the zip's order)
//
// followed by the blank line and the instance key's signature line. With the public key alone a
// verifier knows the files are the ones the server wrote, none missing, none added, none changed.

import { NoteError } from '../checkpoint/errors.js';

const TAG = 'stele-package/v1';
const FILE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

export interface PackageFile {
  name: string;
  sha256: string;
  bytes: number;
}

export interface PackageManifest {
  origin: string;
  kind: string;
  from: string;
  to: string;
  logSize: number;
  files: PackageFile[];
}

/** The note body. Requires file names of letters, digits, `.`, `_` and `-` (they are the server's). */
export function formatPackageManifest(manifest: PackageManifest): string {
  for (const file of manifest.files) {
    if (!FILE_NAME.test(file.name) || !/^[0-9a-f]{64}$/.test(file.sha256)) throw new Error(`cannot list ${JSON.stringify(file.name)} in a package manifest`);
  }
  return [TAG, manifest.origin, `${manifest.kind} ${manifest.from} ${manifest.to}`, String(manifest.logSize),
    ...manifest.files.map((f) => `${f.sha256} ${f.bytes} ${f.name}`)].map((line) => `${line}\n`).join('');
}

/** Parses a body (as verifyNote returns it). Throws NoteError 'malformed_note'. */
export function parsePackageManifest(body: string): PackageManifest {
  const bad = (why: string) => new NoteError('malformed_note', `the package manifest is malformed: ${why}`);
  const lines = body.split('\n');
  if (lines.pop() !== '' || lines[0] !== TAG || lines.length < 4) throw bad('not a stele-package/v1 manifest');
  const [kind, from, to, ...rest] = lines[2]!.split(' ');
  if (!kind || !from || !to || rest.length > 0) throw bad('the period line');
  if (!/^(0|[1-9]\d{0,15})$/.test(lines[3]!)) throw bad('the log size');
  const files = lines.slice(4).map((line) => {
    const match = /^([0-9a-f]{64}) (0|[1-9]\d{0,15}) ([A-Za-z0-9._-]{1,200})$/.exec(line);
    if (!match) throw bad(`the file line ${JSON.stringify(line.slice(0, 100))}`);
    return { sha256: match[1]!, bytes: Number(match[2]), name: match[3]! };
  });
  if (new Set(files.map((f) => f.name)).size !== files.length) throw bad('a file is listed twice');
  return { origin: lines[1]!, kind, from, to, logSize: Number(lines[3]), files };
}
