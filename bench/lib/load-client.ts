// The benchmarks' HTTP load generator: node:http with a keep-alive agent, one socket per request
// in flight, bodies sent as the prepared strings they are.
//
// Not fetch: Node 20's fetch (undici behind WHATWG Request, Response and web streams) costs its
// caller about 400 µs a request here. Against a bare Fastify route that answers at once, 64
// requests in flight from a separate process (2026-12-07): fetch 2,941 and 3,007 requests/s at
// 401 and 388 µs of client CPU a request; node:http 10,815 and 18,027/s at 99 and 55 µs. On two
// cores shared with the server, a fetch client was the larger part of what a single-event
// benchmark measured; an application's client would run on machines of its own.

import http from 'node:http';

export interface LoadAnswer {
  status: number;
  text: string;
}

export interface LoadClient {
  /** POSTs a JSON body (already a string) and resolves with the whole answer. */
  post(path: string, body: string, headers?: Record<string, string>): Promise<LoadAnswer>;
  close(): void;
}

export function loadClient(baseUrl: string, connections: number): LoadClient {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  return {
    post(path, body, headers = {}) {
      return new Promise<LoadAnswer>((resolve, reject) => {
        const request = http.request({
          host: url.hostname, port: url.port, path, method: 'POST', agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          response.on('error', reject);
        });
        request.on('error', reject);
        request.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}
