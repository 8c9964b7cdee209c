// An HTTP proxy in front of a real server (s3rver) that can answer in its place (500, 503 +
// Retry-After) or pass requests on late, to give a real peer the failures the tests need.

import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyScript = (index: number) => { status: number; headers?: Record<string, string> } | { delayMs: number } | undefined;

/** Forwards to the server on `target()` unless `script` answers first (500s, 503 + Retry-After, delays). */
export function startProxy(target: () => number, script: ProxyScript) {
  let count = 0;
  const server: Server = createServer((req, res) => {
    const scripted = script(count++);
    const pass = () => {
      if (res.destroyed) return; // the client is gone (killed): nothing to pass on
      // No keep-alive upstream (agent: false): the server behind can close without waiting for idle sockets.
      const upstream = forward({ host: '127.0.0.1', port: target(), method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
    };
    if (scripted && 'status' in scripted) {
      req.resume();
      res.writeHead(scripted.status, { 'content-type': 'application/xml', ...scripted.headers });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${scripted.status === 503 ? 'SlowDown' : 'InternalError'}</Code><Message>scripted</Message></Error>`);
    } else if (scripted) setTimeout(pass, scripted.delayMs);
    else pass();
  });
  return new Promise<{ port: number; count: () => number; close: () => Promise<void> }>((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as AddressInfo).port, count: () => count,
    close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
  })));
}

