// Command-line options and progress output shared by the benchmark scripts.

/** The value after `--name` on the command line, if given. */
export const arg = (name: string): string | undefined => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
};

/** Progress goes to stderr, so stdout carries only results. */
export const log = (line: string): void => void process.stderr.write(`${line}\n`);
