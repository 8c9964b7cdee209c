// An application process for the spill-file test: records events with a spill file, then
//   hang:    waits until all of them are in the spill file, says "spilled", and waits to be killed;
//   close:   closes the client (which spills what Stele did not take) and prints close()'s result;
//   deliver: flushes (the spill file left by earlier runs included), closes, prints the stats.
// Usage: node --import tsx test/sdk/spill-app.ts <url> <key> <spill file> <first i> <count> <mode>

import { setTimeout as sleep } from 'node:timers/promises';
import { createAuditClient } from '@stele/sdk';

const [url, apiKey, spillFile, first, count, mode] = process.argv.slice(2) as [string, string, string, string, string, 'hang' | 'close' | 'deliver'];
const audit = createAuditClient({ url, apiKey, spillFile, onError: () => {}, backoff: { baseMs: 50, maxMs: 300 }, closeTimeoutMs: 5000 });
for (let i = Number(first); i < Number(first) + Number(count); i++) audit.record({ action: 'sdk.spilled', details: { i } });

if (mode === 'hang') {
  while (audit.stats().spilled < Number(count)) await sleep(10);
  process.stdout.write('spilled\n');
  await sleep(60_000);
} else if (mode === 'close') {
  process.stdout.write(`${JSON.stringify(await audit.close())}\n`);
} else {
  await audit.flush();
  await audit.close();
  process.stdout.write(`${JSON.stringify(audit.stats())}\n`);
}
