// Timing helpers shared by the benchmarks.

import { readFileSync } from 'node:fs';

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
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
