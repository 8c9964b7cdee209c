// Where finished files go, for every feature that sends them somewhere on a schedule (exports,
// reports): a directory in the tenant's own export area, an SFTP server, or e-mail recipients.
// The producer writes its files into a directory it is given (the destination itself, or a staging
// directory for SFTP and e-mail, removed afterwards); this module moves them on and says where they
// went, in words a tenant may see (no server path).

import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonObject } from '../domain/event.js';
import type { Mailer } from './mailer.js';
import { hideServerPaths, prepareDirectory, tenantArea } from './safe-directory.js';
import { describeSftp, hostAllowed, type SftpCredentials, type SftpHostAllowList, type SftpTarget } from './sftp-destination.js';
import { uploadOverSftp } from './sftp-upload.js';

/** A stored destination: exactly one of them is set. */
export interface DeliveryTarget {
  directory?: string | null;
  sftp?: SftpTarget | null;
  email?: { to: string[] } | null;
}

export interface DeliveryDeps {
  /** STELE_EXPORT_DIR_ROOT: each tenant's directories are in `<root>/<tenant id>/`. */
  root: string;
  /** Staging for SFTP and e-mail: `<dataDir>/exports/.sftp-outbox/`. */
  dataDir: string;
  sftpHosts: SftpHostAllowList;
  /** STELE_SECRETS_KEY_FILE, hidden from what a tenant is told like the root and the data directory. */
  secretsKeyFile?: string;
  /** Without it (no STELE_SMTP_HOST), an e-mail destination fails its runs, saying why. */
  mailer?: Mailer;
}

export interface Delivery<T> {
  tenantId: string;
  /** Names the staging directory (a schedule id). */
  label: string;
  target: DeliveryTarget;
  /** The files `produce` writes into the directory it is given, the main one first; they go in this order. */
  names: readonly string[];
  produce(directory: string): Promise<T>;
  /** Opens a target's sealed SFTP credentials. */
  credentials?: () => Promise<SftpCredentials>;
  /** The message that carries the files as attachments. */
  email?: { subject: string; text: string };
  signal?: AbortSignal;
}

export interface Delivered<T> {
  result: T;
  /** The main file as the tenant sees it: a path in its export area, on the SFTP server, or its name. */
  file: string;
  /** For the run's event: `destination` and what the destination said. */
  details: JsonObject;
  /** An SFTP server's host key, as presented (a target made without one pins it). */
  hostKeySha256?: string;
}

export function createDelivery(deps: DeliveryDeps) {
  async function staged<T>(delivery: Delivery<T>, send: (directory: string, result: T) => Promise<Omit<Delivered<T>, 'result'>>): Promise<Delivered<T>> {
    const outbox = join(deps.dataDir, 'exports', '.sftp-outbox');
    await mkdir(outbox, { recursive: true });
    const staging = await mkdtemp(join(outbox, `${delivery.label}-`));
    try {
      const result = await delivery.produce(staging);
      return { result, ...(await send(staging, result)) };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  async function deliver<T>(delivery: Delivery<T>): Promise<Delivered<T>> {
    const { target, names } = delivery;
    if (target.directory) {
      const result = await delivery.produce(await prepareDirectory(deps.root, delivery.tenantId, target.directory));
      return { result, file: join(target.directory, names[0]!), details: {} };
    }
    if (target.sftp) {
      const sftp = target.sftp;
      if (!hostAllowed(deps.sftpHosts, sftp.host)) throw new Error(`SFTP host ${sftp.host} is no longer allowed on this server (STELE_EXPORT_SFTP_HOSTS)`);
      if (!delivery.credentials) throw new Error('the SFTP credentials of this destination are missing');
      const credentials = await delivery.credentials();
      return staged(delivery, async (staging) => {
        const uploaded = await uploadOverSftp(sftp, credentials, names.map((name) => ({ localPath: join(staging, name), name })), { ...(delivery.signal && { signal: delivery.signal }) });
        return {
          file: uploaded.remotePaths[0]!, hostKeySha256: uploaded.hostKeySha256,
          details: { destination: describeSftp(sftp), host_key_sha256: uploaded.hostKeySha256 },
        };
      });
    }
    if (target.email) {
      const to = target.email.to;
      const mailer = deps.mailer;
      if (!mailer) throw new Error('this server sends no e-mail (STELE_SMTP_HOST is not set)');
      return staged(delivery, async (staging) => {
        const sent = await mailer.send({
          to, subject: delivery.email?.subject ?? names[0]!, text: delivery.email?.text ?? '',
          attachments: names.map((name) => ({ filename: name, path: join(staging, name) })),
        });
        return { file: names[0]!, details: { destination: `mailto:${to.join(',')}`, message_id: sent.messageId } };
      });
    }
    throw new Error('this destination is empty');
  }

  /** A failure as the tenant may see it: paths in its area relative to it, no other server path. */
  async function tenantsView(tenantId: string, message: string): Promise<string> {
    const real = (path: string) => realpath(path).catch(() => path);
    const area = tenantArea(deps.root, tenantId);
    const [realArea, realRoot, realDataDir] = await Promise.all([real(area), real(deps.root), real(deps.dataDir)]);
    return hideServerPaths(message, [area, realArea], {
      [deps.root]: '<export root>', [realRoot]: '<export root>', [deps.dataDir]: '<data dir>', [realDataDir]: '<data dir>',
      ...(deps.secretsKeyFile && { [deps.secretsKeyFile]: '<secrets key file>' }),
    });
  }

  return { deliver, tenantsView };
}

export type DeliveryService = ReturnType<typeof createDelivery>;
