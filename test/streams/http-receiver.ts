// A real HTTP server on loopback standing in for a vendor's receiver. Each test gives it the
// vendor's check (what the documentation says a request must look like) and what to answer; it
// keeps every request (body gunzipped when sent gzip), can be taken down and brought back on the
// same port, and can answer slowly.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** The body as sent on the wire. */
  raw: Buffer;
  /** The body, gunzipped when Content-Encoding said gzip. */
  body: string;
  at: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface HttpReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Decides each answer; replace it to script failures. Gets the request and how many came before it. */
  respond: (request: ReceivedRequest, index: number) => Reply;
  /** Problems the vendor check found (a test asserts it stays empty). */
  violations: string[];
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startHttpReceiver(
  check: (request: ReceivedRequest) => string[],
  respond: (request: ReceivedRequest, index: number) => Reply,
  port = 0,
): Promise<HttpReceiver> {
  let server: Server | undefined;
  const sockets = new Set<import('node:net').Socket>();

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: string;
      try {
        body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
      } catch {
        body = '';
        receiver.violations.push('Content-Encoding says gzip, but the body is not gzip');
      }
      const request: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, body, at: Date.now() };
      const index = receiver.requests.length;
      receiver.requests.push(request);
      receiver.violations.push(...check(request).map((v) => `request ${index}: ${v}`));
      const reply = receiver.respond(request, index);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.body ?? '');
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  };

  async function listen(on: number): Promise<number> {
    server = createServer(handler);
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(on, '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  const actualPort = await listen(port);
  const receiver: HttpReceiver = {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    requests: [],
    respond,
    violations: [],
    async down() {
      const closing = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => (closing ? closing.close(() => resolve()) : resolve()));
    },
    async up() {
      if (!server) await listen(actualPort);
    },
    async close() {
      await receiver.down();
    },
  };
  return receiver;
}

/** Polls until `check` returns a value, or fails after `ms` saying what it waited for. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
