// Starts bench/lib/counting-receiver.ts niced, as a receiver on another machine would be: its work
// does not take the CPU from the Stele process measured.

import { spawn } from 'node:child_process';

export interface ReceiverProcess {
  url: string;
  /** The receiver's process id (to read its CPU time). */
  pid: number;
  events(): Promise<number>;
  arrivals(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function startReceiverProcess(options: { timing?: boolean } = {}): Promise<ReceiverProcess> {
  const child = spawn('nice', ['-n', '19', process.execPath, '--import', 'tsx', 'bench/lib/counting-receiver.ts', ...(options.timing ? ['--timing'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the receiver exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    pid: child.pid!,
    events: async () => ((await (await fetch(`${url}/stats`)).json()) as { events: number }).events,
    arrivals: async () => (await (await fetch(`${url}/arrivals`)).json()) as Record<string, number>,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
