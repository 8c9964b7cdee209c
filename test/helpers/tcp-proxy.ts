// A TCP proxy on loopback that can stall: it forwards bytes both ways until stall(), then forwards
// nothing and connects nobody, as a network that silently drops every packet would (no reset, no
// close: both ends only stop hearing from each other), until resume() lets everything held through.

import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let stalled = false;
  const sockets = new Set<Socket>();
  // Connections accepted during a stall, connected through at resume().
  const held: (() => void)[] = [];

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // the other side is torn down on 'close'
    if (stalled) socket.pause();
  };

  /** Copies from → to, by hand rather than pipe(), so that stall() alone decides when reading stops. */
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (to.write(chunk)) return;
      from.pause();
      to.once('drain', () => { if (!stalled) from.resume(); });
    });
    from.on('end', () => to.end());
    from.on('close', (hadError) => { if (hadError) to.destroy(); });
  };

  const server = createServer((client) => {
    track(client);
    const through = () => {
      if (client.destroyed) return;
      const upstream = connect(target.port, target.host);
      track(upstream);
      forward(client, upstream);
      forward(upstream, client);
    };
    if (stalled) held.push(through);
    else through();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    port,
    stall() {
      stalled = true;
      for (const socket of sockets) socket.pause();
    },
    resume() {
      stalled = false;
      for (const socket of sockets) socket.resume();
      for (const through of held.splice(0)) through();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
