// One request to a receiver, against real servers on loopback: the answer (status, headers, body
// cut at the bound), Retry-After read, a kept-alive connection the receiver dropped (sent again
// on a new one), no answer in time, and HTTPS to a receiver whose certificate is not
// trusted (refused, in words).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { httpRequest, post } from './http-request.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

const servers: (http.Server | https.Server)[] = [];
after(() => servers.forEach((s) => s.close()));

async function listen(server: http.Server | https.Server, handler: Handler): Promise<string> {
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (d) => (body += d));
    request.on('end', () => handler(request, body, response));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const scheme = server instanceof https.Server ? 'https' : 'http';
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}/in`;
}

const request = (body: string, extra: Partial<Parameters<typeof httpRequest>[1]> = {}) => ({
  headers: { 'content-type': 'application/json' }, body, signal: new AbortController().signal, timeoutMs: 5000, ...extra,
});

describe('httpRequest', () => {
  it('sends the body with its length and reads the answer, cut at the bound', async () => {
    const seen: { length?: string; body: string }[] = [];
    const url = await listen(http.createServer(), (req, body, res) => {
      seen.push({ length: req.headers['content-length'], body });
      res.setHeader('x-answer', 'yes');
      res.end('a'.repeat(5000));
    });
    const answer = await httpRequest(url, request('{"é":1}', { maxBodyBytes: 100 }));
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-answer'], 'yes');
    assert.equal(answer.text, 'a'.repeat(100));
    assert.deepEqual(seen, [{ length: String(Buffer.byteLength('{"é":1}')), body: '{"é":1}' }]);
  });

  it('reads Retry-After from a refusal', async () => {
    const url = await listen(http.createServer(), (_req, _body, res) => {
      res.writeHead(429, { 'retry-after': '7' });
      res.end('slow down');
    });
    const answer = await post(url, request('{}'));
    assert.deepEqual([answer.ok, answer.status, answer.retryAfterMs, answer.error], [false, 429, 7000, 'HTTP 429: slow down']);
  });

  it('sends again on a new connection when the receiver drops a kept-alive one unanswered', async () => {
    const onSocket = new Map<unknown, number>();
    let answered = 0;
    const url = await listen(http.createServer(), (req, _body, res) => {
      const nth = (onSocket.get(req.socket) ?? 0) + 1;
      onSocket.set(req.socket, nth);
      // As a receiver that closed the idle connection would: the reused one ends with no answer.
      if (nth === 2) return req.socket.destroy();
      answered += 1;
      res.end('ok');
    });
    assert.equal((await httpRequest(url, request('1'))).status, 200);
    assert.equal((await httpRequest(url, request('2'))).status, 200);
    assert.equal(answered, 2);
    assert.equal(onSocket.size, 2, 'the second request went again on a new connection');
  });

  it('says when no answer came in time, and when nobody listens', async () => {
    const url = await listen(http.createServer(), () => undefined);
    await assert.rejects(httpRequest(url, request('{}', { timeoutMs: 100 })), /no answer within 100 ms/);
    const closed = http.createServer();
    const gone = await listen(closed, () => undefined);
    await new Promise((resolve) => closed.close(resolve));
    const answer = await post(gone, request('{}'));
    assert.equal(answer.ok, false);
    assert.match(answer.error!, /ECONNREFUSED/);
  });

  it('refuses a receiver whose certificate is not trusted, in words', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stele-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
      const url = await listen(https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }), (_req, _body, res) => res.end('ok'));
      const answer = await post(url, request('{}'));
      assert.equal(answer.ok, false);
      assert.match(answer.error!, /self[- ]signed certificate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
