// A progress bar on a terminal (cli-progress), on stderr so stdout stays the command's answer;
// nothing at all when stderr is not a terminal (a script, a pipe, CI).

import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the total once it is known. */
  total(value: number): void;
  update(value: number): void;
  stop(): void;
}

const SILENT: Progress = { total: () => {}, update: () => {}, stop: () => {} };

/** A bar labelled `what` ("events", "bytes"), or nothing off a terminal. */
export function progressBar(what: string, total = 0): Progress {
  if (!process.stderr.isTTY) return SILENT;
  const bar = new cliProgress.SingleBar({
    format: `{bar} {percentage}% | {value}/{total} ${what} | {eta_formatted} left`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  return {
    total: (value) => bar.setTotal(value),
    update: (value) => bar.update(value),
    stop: () => bar.stop(),
  };
}
