// A TCP port on loopback that nothing listens on right now, for a server a test starts itself
// (sshd, a throw-away PostgreSQL) that cannot be told to pick its own.

import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
