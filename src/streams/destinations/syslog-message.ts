// RFC 5424 syslog messages framed by octet counting (RFC 6587 §3.4.1), pure:
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [stele@32473 id="..." seq="..." tenant="..."] MSG
// framed as `<byte length of the message> SP <message>`, no trailing LF. The length counts UTF-8
// bytes, so a message holding line breaks (JSON details) stays one message. MSG is sent without
// a BOM (RFC 5424's MSG-ANY), since CEF and LEEF parsers expect "CEF:"/"LEEF:" at its start.
// 32473 is the enterprise number RFC 5612 reserves for examples: replace it with a registered one
// if a receiver insists on it.

import type { StoredEvent } from '../../domain/event.js';

export const FACILITIES: Readonly<Record<string, number>> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10,
  ftp: 11, ntp: 12, audit: 13, alert: 14, clock: 15,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

export const SD_ID = 'stele@32473';

/** Syslog severity of an event: warning (4) for a failure, notice (5) for security, else informational (6). */
export function syslogSeverity(event: Pick<StoredEvent, 'success' | 'category'>): number {
  if (event.success === false) return 4;
  return event.category === 'security' ? 5 : 6;
}

/** PRINTUSASCII without space, at most `max` characters, or the NILVALUE `-`. */
export function headerField(text: string | undefined, max: number): string {
  const clean = (text ?? '').replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean === '' ? '-' : clean;
}

/** A PARAM-VALUE: `"`, `\` and `]` escaped with a backslash (RFC 5424 §6.3.3). */
export const sdValue = (text: string): string => text.replace(/["\\\]]/g, (c) => `\\${c}`);

export interface SyslogHeader {
  facility: number;
  hostname: string;
  appName: string;
  procId: string;
}

/** One RFC 5424 message for an event, `msg` being its payload (JSON, CEF or LEEF). */
export function syslogMessage(header: SyslogHeader, event: StoredEvent, msg: string): string {
  const pri = header.facility * 8 + syslogSeverity(event);
  const sd = `[${SD_ID} id="${sdValue(event.id)}" seq="${event.seq}" tenant="${sdValue(event.tenant_id)}"]`;
  return `<${pri}>1 ${event.occurred_at} ${headerField(header.hostname, 255)} ${headerField(header.appName, 48)} ${headerField(header.procId, 128)} audit ${sd} ${msg}`;
}

/** RFC 6587 octet-counted frame: the message's UTF-8 byte length, a space, the message. */
export function octetCounted(message: string): string {
  return `${Buffer.byteLength(message, 'utf8')} ${message}`;
}
