// "Your file is ready": the notice a bulk export or a report sends when it is done (or failed),
// by e-mail to the addresses given, or as a POST to a webhook signed per Standard Webhooks
// (background/standard-webhooks.ts) with a secret the requester gave or was given once. The
// secret is kept sealed (background/secret-box.ts). A webhook that fails is tried three times,
// backing off (honouring Retry-After); each outcome is kept on the job, never a secret.

import { randomUUID } from 'node:crypto';
import type { SmtpConfig } from '../config.js';
import { SteleError } from '../domain/errors.js';
import { backoffDelay } from '../background/backoff.js';
import type { SealedSecret, SecretBox } from '../background/secret-box.js';
import { generateWebhookSecret, signWebhook } from '../background/standard-webhooks.js';
import { post } from './http-request.js';
import { recipientsFrom, requireMail, type Mailer } from './mailer.js';

/** As a request gives it. */
export interface NotifyRequest {
  email?: unknown;
  webhook?: { url?: unknown; secret?: unknown };
}

/** As a job keeps it: the addresses and URL shown, the webhook secret sealed. */
export interface StoredNotify {
  email: string[] | null;
  webhook: { url: string; secret: SealedSecret } | null;
}

export interface NoticeOutcome {
  channel: 'email' | 'webhook';
  to: string;
  ok: boolean;
  attempts: number;
  at: string;
  error?: string;
}

/** What a notice says; `type` is e.g. `report.ready`, `export.failed`. */
export interface Notice {
  type: string;
  subject: string;
  text: string;
  data: Record<string, unknown>;
}

const WEBHOOK_ATTEMPTS = 3;
const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * Checks a request's `notify` and seals the webhook secret (one is made when none is given, and
 * returned once as `secretShown`). `context` binds the sealed secret to its job.
 */
export function notifyFrom(request: NotifyRequest | undefined, deps: { smtp: SmtpConfig | undefined; secrets: SecretBox }, context: string): { stored: StoredNotify; secretShown?: string } | undefined {
  if (request === undefined) return undefined;
  const stored: StoredNotify = { email: null, webhook: null };
  let secretShown: string | undefined;
  if (request.email !== undefined) {
    requireMail(deps.smtp, 'notify.email');
    stored.email = recipientsFrom(request.email, 'notify.email');
  }
  if (request.webhook !== undefined) {
    const { url, secret } = request.webhook;
    if (typeof url !== 'string' || url.length > 2048 || !/^https?:\/\/[^\s/?#]+([/?#]\S*)?$/i.test(url)) {
      throw new SteleError('invalid_request', 'notify.webhook.url must be an http(s) URL', [{ field: 'notify.webhook.url', message: 'not an http(s) URL' }]);
    }
    if (secret !== undefined && (typeof secret !== 'string' || !/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/.test(secret))) {
      throw new SteleError('invalid_request', 'notify.webhook.secret must be a Standard Webhooks secret: whsec_ and 24 to 64 bytes in base64', [{ field: 'notify.webhook.secret', message: 'not a whsec_ secret' }]);
    }
    const chosen = typeof secret === 'string' ? secret : (secretShown = generateWebhookSecret());
    stored.webhook = { url, secret: deps.secrets.seal(chosen, context) };
  }
  if (!stored.email && !stored.webhook) {
    throw new SteleError('invalid_request', 'notify needs email or webhook', [{ field: 'notify', message: 'empty' }]);
  }
  return { stored, ...(secretShown !== undefined && { secretShown }) };
}

/** What a job shows of its notify: never the secret. */
export const describeNotify = (notify: StoredNotify | null | undefined) =>
  (notify ? { email: notify.email, webhook: notify.webhook && { url: notify.webhook.url } } : null);

export interface NotifierDeps {
  secrets: SecretBox;
  mailer?: Mailer;
  now: () => number;
  /** Waits between webhook attempts (tests pass a short one). */
  sleep?: (ms: number) => Promise<void>;
}

export function createNotifier(deps: NotifierDeps) {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const iso = () => new Date(deps.now()).toISOString();

  async function postWebhook(url: string, secret: string, notice: Notice): Promise<NoticeOutcome> {
    const body = JSON.stringify({ type: notice.type, timestamp: iso(), data: notice.data });
    const id = `msg_${randomUUID()}`;
    let error = '';
    for (let attempt = 1; attempt <= WEBHOOK_ATTEMPTS; attempt++) {
      let wait: number | undefined;
      try {
        const answer = await post(url, {
          body, timeoutMs: WEBHOOK_TIMEOUT_MS,
          headers: { 'content-type': 'application/json', 'user-agent': 'Stele-Notifications', ...(await signWebhook(secret, id, Math.floor(deps.now() / 1000), body)) },
        }, deps.now());
        if (answer.ok) return { channel: 'webhook', to: url, ok: true, attempts: attempt, at: iso() };
        error = answer.status === undefined ? answer.error ?? 'no answer' : `the receiver answered ${answer.status}`;
        wait = answer.retryAfterMs;
        if (answer.status !== undefined && answer.status < 500 && answer.status !== 429 && answer.status !== 408) break;
      } catch (failure) {
        error = failure instanceof Error ? failure.message : String(failure);
      }
      if (attempt < WEBHOOK_ATTEMPTS) await sleep(backoffDelay(attempt, { baseMs: 1000, maxMs: 30_000 }, wait));
    }
    return { channel: 'webhook', to: url, ok: false, attempts: WEBHOOK_ATTEMPTS, at: iso(), error };
  }

  /** Sends the notice everywhere `notify` says; `context` opens the webhook secret. Never throws. */
  async function send(notify: StoredNotify, context: string, notice: Notice): Promise<NoticeOutcome[]> {
    const outcomes: NoticeOutcome[] = [];
    if (notify.email) {
      const to = notify.email.join(',');
      try {
        if (!deps.mailer) throw new Error('this server sends no e-mail (STELE_SMTP_HOST is not set)');
        await deps.mailer.send({ to: notify.email, subject: notice.subject, text: notice.text });
        outcomes.push({ channel: 'email', to, ok: true, attempts: 1, at: iso() });
      } catch (error) {
        outcomes.push({ channel: 'email', to, ok: false, attempts: 1, at: iso(), error: error instanceof Error ? error.message : String(error) });
      }
    }
    if (notify.webhook) {
      let secret: string | undefined;
      try {
        secret = deps.secrets.open<string>(notify.webhook.secret, context);
      } catch (error) {
        outcomes.push({ channel: 'webhook', to: notify.webhook.url, ok: false, attempts: 0, at: iso(), error: error instanceof Error ? error.message : String(error) });
      }
      if (secret !== undefined) outcomes.push(await postWebhook(notify.webhook.url, secret, notice));
    }
    return outcomes;
  }

  return { send };
}

export type Notifier = ReturnType<typeof createNotifier>;
