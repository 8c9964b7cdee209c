// A webhook receiver in a process of its own, standing in for a SIEM on another machine: it counts
// the events of each request (`"seq":` members; the benchmark's events hold no such text
// elsewhere) and, with --timing, notes when each event id arrived. GET /stats answers
// {events, requests}; GET /arrivals the arrival times (ms since the epoch) by id.
// Started under `nice -n 19` by receiver-process.ts, so it takes only the CPU Stele leaves.

import { createServer } from 'node:http';

const timing = process.argv.includes('--timing');
let events = 0;
let requests = 0;
const arrivals: Record<string, number> = {};

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/arrivals' ? arrivals : { events, requests }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const at = performance.timeOrigin + performance.now();
    if (timing) for (const e of (JSON.parse(body) as { events: { id: string }[] }).events) arrivals[e.id] = at;
    for (let i = body.indexOf('"seq":'); i !== -1; i = body.indexOf('"seq":', i + 6)) events++;
    requests++;
    res.writeHead(204);
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`));
