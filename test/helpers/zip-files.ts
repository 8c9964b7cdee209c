// A zip's entries read into memory, and a zip written from them: how the report tests open a SOC 2
// package, change a file in it as a tamperer would, and write it back.

import { writeFileSync } from 'node:fs';
import yauzl from 'yauzl';
import yazl from 'yazl';

export async function readZip(file: string): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.open(file, { lazyEntries: true }, (e, z) => (e ? reject(e) : resolve(z!))));
  const files = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => zip.openReadStream(entry, (error, stream) => {
      if (error) return reject(error);
      const chunks: Buffer[] = [];
      stream!.on('data', (c: Buffer) => chunks.push(c)).on('end', () => { files.set(entry.fileName, Buffer.concat(chunks)); zip.readEntry(); });
    }));
    zip.on('end', resolve).on('error', reject);
    zip.readEntry();
  });
  return files;
}

export async function writeZip(file: string, files: Map<string, Buffer>): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of files) zip.addBuffer(content, name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  writeFileSync(file, Buffer.concat(chunks));
}
