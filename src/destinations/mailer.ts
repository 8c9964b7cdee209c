// E-mail through the configured SMTP server (STELE_SMTP_*), with nodemailer: one transport per
// instance, reused. Addresses are checked when a schedule or notification is created, so a typo
// is a 400 then rather than a failed run later.

import type { Transporter } from 'nodemailer';
import type { SmtpConfig } from '../config.js';
import { SteleError } from '../domain/errors.js';

export interface MailAttachment {
  filename: string;
  /** A file on disk (streamed), or the content itself. */
  path?: string;
  content?: string | Buffer;
  contentType?: string;
}

export interface Mail {
  to: readonly string[];
  subject: string;
  text: string;
  html?: string;
  attachments?: readonly MailAttachment[];
}

export interface Mailer {
  send(mail: Mail): Promise<{ messageId: string }>;
  close(): void;
}

// Deliberately plain (RFC 5321 local part without quoting, a dotted domain): what a person types.
const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
export const MAX_RECIPIENTS = 20;

/** Checks a list of recipients; throws invalid_request naming `field`. */
export function recipientsFrom(value: unknown, field: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.length > MAX_RECIPIENTS || !list.every((a) => typeof a === 'string' && a.length <= 254 && ADDRESS.test(a))) {
    throw new SteleError('invalid_request', `${field} must be 1 to ${MAX_RECIPIENTS} e-mail addresses such as audit@example.com`, [{ field, message: 'not a list of e-mail addresses' }]);
  }
  return [...new Set(list as string[])];
}

/** Refuses e-mail when the server has no SMTP server configured. */
export function requireMail(smtp: SmtpConfig | undefined, field: string): void {
  if (!smtp) {
    throw new SteleError('invalid_request', 'This server sends no e-mail: its operator has not set STELE_SMTP_HOST and STELE_SMTP_FROM.', [{ field, message: 'e-mail is not configured on this server' }]);
  }
}

export function createMailer(smtp: SmtpConfig): Mailer {
  // nodemailer is loaded with the first message, not when the server starts; messages sent at
  // once share the one transport.
  let transport: Promise<Transporter> | undefined;
  const transporter = () => (transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport({
    host: smtp.host, port: smtp.port,
    secure: smtp.security === 'tls', requireTLS: smtp.security === 'starttls', ignoreTLS: smtp.security === 'none',
    ...(smtp.user && { auth: { user: smtp.user, pass: smtp.password ?? '' } }),
    connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000,
  })));
  return {
    async send(mail) {
      const info = await (await transporter()).sendMail({
        from: smtp.from, to: [...mail.to], subject: mail.subject, text: mail.text,
        ...(mail.html !== undefined && { html: mail.html }),
        ...(mail.attachments && { attachments: mail.attachments.map((a) => ({ ...a })) }),
      });
      return { messageId: String(info.messageId) };
    },
    close() {
      // A transport that never opened has nothing to close (its send has said why).
      void transport?.then((open) => open.close(), () => {});
    },
  };
}
