// Scheduled exports write on the server's own disk, each tenant in an area of its own,
// `<STELE_EXPORT_DIR_ROOT>/<tenant id>/`. A schedule names a directory relative to that area:
// no absolute path, no `..`, no symlink that leads out. What a tenant is told never shows where
// the area is on the server's disk: paths appear relative to the area.

import { mkdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { SteleError } from '../domain/errors.js';

const STAY_INSIDE = 'The directory must stay inside this tenant\'s export area: give a relative path such as "daily/logins", without "..".';

const outside = (area: string, path: string) => {
  const rel = relative(area, path);
  return rel === '..' || rel.startsWith('../') || isAbsolute(rel);
};

/** The tenant's own part of the export root. Tenant ids are the server's, checked all the same. */
export function tenantArea(root: string, tenantId: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(tenantId)) throw new Error(`tenant id ${JSON.stringify(tenantId)} cannot name an export area`);
  return join(root, tenantId);
}

/**
 * `directory` as a normalised path relative to the tenant's area (`.` for the area itself);
 * throws invalid_request for an absolute path, a `..` segment, a backslash or a NUL.
 */
export function areaDirectory(directory: string): string {
  if (directory.trim() === '' || /[\0\\]/.test(directory) || isAbsolute(directory)) {
    throw new SteleError('invalid_request', STAY_INSIDE, [{ field: 'directory', message: 'must be a relative path inside this tenant\'s export area' }]);
  }
  const segments = directory.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) {
    throw new SteleError('invalid_request', STAY_INSIDE, [{ field: 'directory', message: '".." is not allowed' }]);
  }
  return segments.length === 0 ? '.' : segments.join('/');
}

/**
 * Creates the schedule's directory in the tenant's area, one segment at a time, and returns its
 * real path. Each segment is followed through symlinks before the next is made, so one that leads
 * outside the area is refused before anything is created out there. Errors name the directory
 * relative to the area.
 */
export async function prepareDirectory(root: string, tenantId: string, directory: string): Promise<string> {
  const inArea = areaDirectory(directory);
  const area = tenantArea(root, tenantId);
  await mkdir(area, { recursive: true });
  const realArea = await realpath(area);
  let current = realArea;
  for (const segment of inArea === '.' ? [] : inArea.split('/')) {
    const next = join(current, segment);
    await mkdir(next).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    current = await realpath(next);
    if (outside(realArea, current)) throw new Error(`the directory ${inArea} must stay inside this tenant's export area, but a symlink leads out of it`);
  }
  return current;
}

/**
 * A failure's message with the server's own paths hidden: the tenant's area (`areas`: its path,
 * and its real path if that differs) and what is inside become relative (`.`, `daily/x`), other
 * known paths (`named`: path → what to show instead, e.g. the data directory → `<data dir>`) a
 * name. For messages that go back to a tenant: a schedule's last_error, a job's error, events.
 */
export function hideServerPaths(message: string, areas: readonly string[], named: Readonly<Record<string, string>>): string {
  const replacements: [string, string][] = [...areas.map((area): [string, string] => [area, '']), ...Object.entries(named)];
  replacements.sort(([a], [b]) => b.length - a.length);
  let hidden = message;
  for (const [path, shownAs] of replacements) {
    if (path === '' || path === '/') continue;
    hidden = hidden.split(`${path}/`).join(shownAs === '' ? '' : `${shownAs}/`).split(path).join(shownAs === '' ? '.' : shownAs);
  }
  return hidden;
}
