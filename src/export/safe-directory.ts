// Scheduled exports write on the server's own disk, so a tenant may only name a directory under
// the configured root: no absolute paths elsewhere, no `..`, no symlink that leads out.

import { mkdir, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { SteleError } from '../domain/errors.js';

const outside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel.startsWith('..') || isAbsolute(rel);
};

/** The absolute path of `directory` under `root`; throws invalid_request when it would leave the root. */
export function directoryUnder(root: string, directory: string): string {
  if (directory === '' || directory.includes('\0')) {
    throw new SteleError('invalid_request', 'directory must be a path under the export root', [{ field: 'directory', message: 'empty or invalid' }]);
  }
  const path = resolve(root, directory);
  if (outside(root, path)) {
    throw new SteleError('invalid_request', `directory must stay under the export root ${root}`, [{ field: 'directory', message: 'outside the export root' }]);
  }
  return path;
}

/** Creates the directory and checks, after following symlinks, that it is still under the root. */
export async function prepareDirectory(root: string, directory: string): Promise<string> {
  const path = directoryUnder(root, directory);
  await mkdir(path, { recursive: true });
  await mkdir(root, { recursive: true });
  const [realRoot, realPath] = await Promise.all([realpath(root), realpath(path)]);
  if (outside(realRoot, realPath)) throw new Error(`export directory ${directory} leads outside the export root through a symlink`);
  return realPath;
}
