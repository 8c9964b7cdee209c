// Writes job artifacts (exports, reports) and hashes them on the way: for a gzip export file the
// SHA-256 of the file as stored (what a downloader checks) and of the uncompressed text. A file
// appears under its final name only once complete, so a crash never leaves a truncated artifact
// that looks finished.

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export interface WrittenArtifact {
  bytes: number;
  sha256: string;
  uncompressed_sha256: string;
}

export async function writeGzipArtifact(path: string, chunks: AsyncIterable<string>): Promise<WrittenArtifact> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  const plain = createHash('sha256');
  const packed = createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(
      chunks,
      async function* (source: AsyncIterable<string>) {
        for await (const text of source) {
          const buffer = Buffer.from(text, 'utf8');
          plain.update(buffer);
          yield buffer;
        }
      },
      createGzip(),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const buffer of source) {
          packed.update(buffer);
          bytes += buffer.length;
          yield buffer;
        }
      },
      createWriteStream(partial),
    );
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { bytes, sha256: packed.digest('hex'), uncompressed_sha256: plain.digest('hex') };
}

/** Writes a small file atomically (temp name, then rename). */
export async function writeFileAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  await writeFile(partial, text);
  await rename(partial, path);
}

/** Writes a file as it is (a report, a zip), hashing it on the way; appears under its name only once complete. */
export async function writeArtifact(path: string, chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): Promise<{ bytes: number; sha256: string }> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(
      async function* () {
        for await (const chunk of chunks) {
          const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
          hash.update(buffer);
          bytes += buffer.length;
          yield buffer;
        }
      },
      createWriteStream(partial),
    );
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { bytes, sha256: hash.digest('hex') };
}
