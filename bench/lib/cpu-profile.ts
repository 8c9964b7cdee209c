// Reads a V8 .cpuprofile (node --cpu-prof) and says where the main thread's time went within a
// time window: by function (self time, a native call named with the function that made it), and
// by stage (each sample counted once, in the first stage of the list that a frame of its stack
// belongs to). Native addons' calls (better-sqlite3's statements) have no frame of their own:
// their time is the self time of the JavaScript function that made them.

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A stage of a request; `matches` is asked of each frame of a sample's stack, `leaf` true for the one running. */
export interface Stage {
  name: string;
  matches: (frame: Frame, leaf: boolean) => boolean;
}

export interface Frame {
  name: string;
  /** The file, relative to the repository (or node:…); '' for native code and V8's own entries. */
  file: string;
  line: number;
}

export interface ProfileSummary {
  /** Microseconds of samples inside the window. */
  totalUs: number;
  /** [function, share of the window] by self time, largest first. */
  selfTime: [string, number][];
  /** [stage, share] with the rest as 'other'; sums to 1. */
  stages: [string, number][];
}

const ROOT = new URL('../..', import.meta.url).pathname;

function frameOf(callFrame: CpuProfile['nodes'][number]['callFrame']): Frame {
  let file = callFrame.url.replace(/^file:\/\//, '');
  // A package's file by its path in the package (node_modules may be a link elsewhere).
  file = file.includes('/node_modules/') ? file.slice(file.lastIndexOf('/node_modules/') + '/node_modules/'.length) : file;
  if (file.startsWith(ROOT)) file = file.slice(ROOT.length);
  return { name: callFrame.functionName || '(anonymous)', file, line: callFrame.lineNumber + 1 };
}

const label = (frame: Frame): string => (frame.file ? `${frame.name} ${frame.file}:${frame.line}` : frame.name);

/**
 * Where the time went between `fromUs` and `toUs` (the profile's clock: CLOCK_MONOTONIC in
 * microseconds on Linux, the same as process.hrtime's, so a caller can mark a window).
 */
export function summariseProfile(profile: CpuProfile, stages: readonly Stage[], window?: { fromUs: number; toUs: number }, top = 30): ProfileSummary {
  const frames = new Map<number, Frame>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    frames.set(node.id, frameOf(node.callFrame));
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const inStage = new Map<string, number>();
  let total = 0;
  let time = profile.startTime;
  profile.samples.forEach((id, i) => {
    time += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (window && (time < window.fromUs || time > window.toUs)) return;
    total += us;
    const frame = frames.get(id)!;
    let key = label(frame);
    // Native calls (better-sqlite3's run, crypto's digest ...) are named with their caller.
    if (!frame.file && parent.has(id) && !frame.name.startsWith('(')) {
      const caller = frames.get(parent.get(id)!)!;
      key = `${frame.name} (native) ← ${label(caller)}`;
    }
    self.set(key, (self.get(key) ?? 0) + us);
    const stack: Frame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(frames.get(at)!);
    const stage = stages.find((s) => stack.some((f, depth) => s.matches(f, depth === 0)))?.name ?? 'other';
    inStage.set(stage, (inStage.get(stage) ?? 0) + us);
  });
  const shares = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, us]): [string, number] => [k, total === 0 ? 0 : us / total]);
  return { totalUs: total, selfTime: shares(self).slice(0, top), stages: shares(inStage) };
}
