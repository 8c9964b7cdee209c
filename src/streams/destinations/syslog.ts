// Syslog over TCP (RFC 6587 octet counting) or TLS (RFC 5425, TLS 1.2 or later), RFC 5424 messages
// whose MSG is the event as JSON, ArcSight CEF or QRadar LEEF 2.0. One connection is kept open
// between batches and opened again after any failure.
//
// What "accepted" means here: syslog over TCP has no acknowledgement, so a batch counts as
// delivered once the kernel took all its bytes on a connection that had not been closed by the
// receiver. A receiver that dies with bytes unread in its socket loses them; a receiver closing
// its side is noticed (the connection is opened again and the batch re-sent). RELP would close
// that gap; rsyslog and syslog-ng speak it, but this destination does not yet.

import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { compact, invalidConfig, readConfig } from './config-fields.js';
import type { DestinationType } from './destination.js';
import { createPayloadEncoder } from './payloads.js';
import { FACILITIES, octetCounted, syslogMessage, type SyslogHeader } from './syslog-message.js';

const HOST = /^[A-Za-z0-9._:-]{1,253}$/;
const APP_NAME = /^[\x21-\x7e]{1,48}$/;

export const syslogDestination: DestinationType = {
  type: 'syslog',
  formats: ['json', 'cef', 'leef', 'ocsf'],
  limits: { maxEvents: 1000, maxBytes: 1_000_000 },
  secretFields: [],
  parse(input) {
    const config = readConfig(input);
    const host = config.string('host', { required: true, pattern: HOST, expected: 'a host name or an IP address' });
    const port = config.integer('port', 1, 65_535);
    if (port === undefined) throw invalidConfig('port', 'is required (514 for TCP, 6514 for TLS by convention)');
    const tls = config.boolean('tls');
    const ca = config.string('ca', { max: 65_536, pattern: /^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/, expected: 'PEM certificates (-----BEGIN CERTIFICATE-----)' });
    if (ca !== undefined && !tls) throw invalidConfig('ca', 'only goes with tls: true');
    const facility = config.string('facility', { pattern: new RegExp(`^(${Object.keys(FACILITIES).join('|')})$`), expected: `one of ${Object.keys(FACILITIES).join(', ')}` });
    const appName = config.string('app_name', { pattern: APP_NAME, expected: 'at most 48 printable ASCII characters without spaces' });
    const hostname = config.string('hostname', { pattern: /^[\x21-\x7e]{1,255}$/, expected: 'printable ASCII without spaces' });
    config.done();
    return { config: compact({ host, port, tls, ca, facility, app_name: appName, hostname }), secrets: {} };
  },
  describe: (config) => `${config.tls ? 'syslog+tls' : 'syslog'}://${String(config.host).includes(':') ? `[${String(config.host)}]` : String(config.host)}:${Number(config.port)}`,
  hosts: (config) => [{ field: 'host', host: String(config.host) }],
  open(context) {
    const { config } = context;
    const host = String(config.host);
    const port = Number(config.port);
    const header: SyslogHeader = {
      facility: FACILITIES[String(config.facility ?? 'audit')] ?? 13,
      hostname: String(config.hostname ?? context.hostname),
      appName: String(config.app_name ?? 'stele'),
      procId: String(process.pid),
    };
    const payload = createPayloadEncoder(context.format, context.product);
    let socket: Socket | undefined;
    // Set when the receiver closed its side or the connection failed: the next batch reconnects.
    let broken = true;

    function open(signal: AbortSignal): Promise<Socket> {
      if (socket && !broken) return Promise.resolve(socket);
      socket?.destroy();
      broken = false;
      return new Promise((resolve, reject) => {
        const connection = config.tls
          ? connectTls({ host, port, minVersion: 'TLSv1.2', ...(typeof config.ca === 'string' && { ca: config.ca }), ...(isIP(host) === 0 && { servername: host }) })
          : connectTcp({ host, port });
        const ready = config.tls ? 'secureConnect' : 'connect';
        const fail = (error: Error) => {
          cleanup();
          connection.destroy();
          broken = true;
          reject(error);
        };
        const timer = setTimeout(() => fail(new Error(`no connection within ${context.timeoutMs} ms`)), context.timeoutMs);
        const onAbort = () => fail(new Error('stopped'));
        const cleanup = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          connection.off('error', fail);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        connection.once('error', fail);
        connection.once(ready, () => {
          cleanup();
          connection.setKeepAlive(true, 30_000);
          connection.on('error', () => { broken = true; });
          connection.on('end', () => { broken = true; connection.end(); });
          connection.on('close', () => { broken = true; });
          connection.resume(); // a receiver has nothing to say; read and drop it so 'end' is seen
          socket = connection;
          resolve(connection);
        });
      });
    }

    function write(connection: Socket, bytes: string, signal: AbortSignal): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          connection.destroy();
          reject(new Error(`the receiver took no more data within ${context.timeoutMs} ms`));
        }, context.timeoutMs);
        const onAbort = () => {
          clearTimeout(timer);
          connection.destroy();
          reject(new Error('stopped'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        connection.write(bytes, 'utf8', (error) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve();
        });
      });
    }

    return {
      encode: (event) => octetCounted(syslogMessage(header, event, payload(event).text)),
      async send(batch, signal) {
        const started = Date.now();
        try {
          const connection = await open(signal);
          await write(connection, batch.entries.join(''), signal);
          // A reset or a close the receiver sent while we wrote shows up on the next turn.
          await new Promise((resolve) => setImmediate(resolve));
          if (broken) throw new Error('the receiver closed the connection');
          return { ok: true, body: `${batch.entries.length} message(s) written in ${Date.now() - started} ms` };
        } catch (error) {
          broken = true;
          socket?.destroy();
          return { ok: false, error: `${syslogDestination.describe(config)}: ${(error as Error).message}` };
        }
      },
      async close() {
        socket?.end();
        socket?.destroy();
        socket = undefined;
        broken = true;
      },
    };
  },
};
