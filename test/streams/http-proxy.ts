// An HTTP proxy in front of a real server (s3rver) that can answer in its place (500, 503 +
// Retry-After) or pass requests on late, to give a real peer the failures the tests need.
//
// A request is passed on only once its whole body has arrived, as S3 itself stores a PUT only when
// the body matches its Content-Length. s3rver keeps whatever part of a body it got before the
// connection dropped, so a client killed mid-upload would otherwise leave a truncated object no
// real S3 would have.

import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyScript = (index: number) => { status: number; headers?: Record<string, string> } | { delayMs: number } | undefined;

/** Forwards to the server on `target()` unless `script` answers first (500s, 503 + Retry-After, delays). */
export function startProxy(target: () => number, script: ProxyScript) {
  let count = 0;
  const server: Server = createServer((req, res) => {
    const scripted = script(count++);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    const bodyComplete = (body: Buffer) => req.complete && (req.headers['content-length'] === undefined || Number(req.headers['content-length']) === body.length);
    const pass = () => {
      const body = Buffer.concat(chunks);
      // The client is gone (killed), or its body fell short: nothing to pass on.
      if (res.destroyed || !bodyComplete(body)) return void res.destroy();
      // No keep-alive upstream (agent: false): the server behind can close without waiting for idle sockets.
      const upstream = forward({ host: '127.0.0.1', port: target(), method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy());
      upstream.end(body);
    };
    req.on('end', () => {
      if (scripted && 'status' in scripted) {
        res.writeHead(scripted.status, { 'content-type': 'application/xml', ...scripted.headers });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${scripted.status === 503 ? 'SlowDown' : 'InternalError'}</Code><Message>scripted</Message></Error>`);
      } else if (scripted) setTimeout(pass, scripted.delayMs);
      else pass();
    });
  });
  return new Promise<{ port: number; count: () => number; close: () => Promise<void> }>((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as AddressInfo).port, count: () => count,
    close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
  })));
}

