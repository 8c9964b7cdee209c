// Timing helpers shared by the benchmarks.

import { readdirSync, readFileSync } from 'node:fs';

export const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

/** Runs `once` `warmup` + `runs` times and reports p50/p99 in milliseconds of the timed runs. */
export async function latency(runs: number, once: () => Promise<unknown>, warmup = 3): Promise<{ p50_ms: number; p99_ms: number }> {
  for (let i = 0; i < warmup; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await once();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { p50_ms: round(percentile(samples, 50), 3), p99_ms: round(percentile(samples, 99), 3) };
}

/** Events (or rows) per second of `work`, which returns how many it handled. */
export async function rate(work: () => Promise<number>): Promise<{ count: number; seconds: number; per_second: number }> {
  const start = performance.now();
  const count = await work();
  const seconds = (performance.now() - start) / 1000;
  return { count, seconds: round(seconds, 3), per_second: Math.round(count / seconds) };
}

export const ratio = (ours: number, bare: number): number => round(ours / bare, 3);

/** CPU seconds (user + system) a process has used so far, from /proc (Linux; clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  return userAndSystemSeconds(pid, String(pid));
}

/**
 * CPU seconds a process's main thread has used so far (its JavaScript, and SQLite's statements,
 * which run on it): the part of a Node server that one core bounds.
 */
export function mainThreadCpuSeconds(pid: number): number {
  return userAndSystemSeconds(pid, `${pid}/task/${pid}`);
}

/**
 * CPU seconds a process has used so far on its main thread and on all its other threads (V8's
 * garbage collector and compiler helpers, libuv's pool, worker threads: Node names them all
 * `node`, so they are told apart only from the main thread).
 */
export function threadCpuSeconds(pid: number): { main: number; others: number } {
  const main = mainThreadCpuSeconds(pid);
  return { main, others: cpuSeconds(pid) - main };
}

/** utime + stime of /proc/<path>/stat (a process, or one of its threads under task/), in seconds. */
function userAndSystemSeconds(pid: number, path: string): number {
  const fields = statFields(path);
  if (!fields) throw new Error(`process ${pid} is gone`);
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** /proc/PID/stat's fields after the command name (field 3 onward), or undefined once the process is gone. */
function statFields(pid: number | string): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(') ') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used so far by every process named `command` (e.g. `postgres`: the server and all its
 * backends), counting those that have exited through their parent's children's time (a backend's
 * time moves to the postmaster's when it ends), so the difference of two readings is the CPU
 * those processes used in between.
 */
export function cpuSecondsOfCommand(command: string): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let comm: string;
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm !== command) continue;
    const fields = statFields(pid);
    if (fields) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks / 100;
}

/** CPU seconds (user + system) this process has used so far. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** The whole machine's CPU seconds so far, busy (anything but idle and I/O wait) and in all. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy: busy / 100, total: (busy + idle! + iowait!) / 100 };
}
