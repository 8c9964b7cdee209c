// Runs `stele serve` (or any command) as a real child process and waits until it prints its URL.
// Under `npm test` and `npm run bench`, which build the server first (STELE_TEST_COMPILED=1), it
// runs the compiled CLI, what `npm start` runs (and a second sooner to start); otherwise the
// sources, through tsx.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Node's arguments that run the `stele` command: the compiled one, or the sources through tsx. */
export const CLI_ENTRY: readonly string[] = process.env.STELE_TEST_COMPILED === '1' ? ['dist/cli/index.js'] : ['--import', 'tsx', 'src/cli/index.ts'];

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `nodeArgs`: options for node itself (e.g. --cpu-prof, which NODE_OPTIONS may not carry). */
export function runCli(args: string[], env: Record<string, string>, options: { stdin?: boolean; nodeArgs?: string[] } = {}): ChildProcess {
  return spawn(process.execPath, [...(options.nodeArgs ?? []), ...CLI_ENTRY, ...args], {
    cwd: ROOT,
    env: { ...process.env, STELE_LOG_LEVEL: 'warn', ...env },
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
}

/** A JSON API call to a server process; throws with the answer on anything but 2xx. */
export async function callServer(server: ServerProcess, method: string, path: string, key: string, body?: unknown): Promise<any> {
  const response = await fetch(`${server.url}${path}`, {
    method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (response.headers.get('content-type') ?? '').startsWith('application/json') ? JSON.parse(text) : text;
}

/** Runs the CLI to its end; `input`, when given, is its stdin. */
export async function runCliToEnd(args: string[], env: Record<string, string>, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = runCli(args, env, { stdin: input !== undefined });
  if (input !== undefined) child.stdin!.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  // 'close', not 'exit': the process may exit before its last output has been read.
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

// Generous: four servers compiling through tsx at once on a loaded two-core machine take a while.
const START_TIMEOUT_MS = 60_000;

/** `args`: more arguments to `stele serve` (e.g. `--workers 3`); `nodeArgs`: options for node. */
export async function startServerProcess(env: Record<string, string>, args: string[] = [], nodeArgs: string[] = []): Promise<ServerProcess> {
  const child = runCli(['serve', ...args], { HOST: '127.0.0.1', PORT: '0', ...env }, { nodeArgs });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    // A server that did not start in time is killed: left running, it would keep the test file from ever ending.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in ${START_TIMEOUT_MS / 1000} s:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return {
    url,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
  };
}
