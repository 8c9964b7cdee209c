// `stele <command> --help`: citty's usage with the command's full name (`stele keys create`, not a
// file path), then its examples and the exit codes every command shares; and the runner that
// turns a bad command line into that help and exit code 2.

import { renderUsage, runCommand, type ArgsDef, type CommandDef } from 'citty';
import { EXIT } from './_context.js';

const examplesOf = new WeakMap<object, readonly string[]>();

/**
 * Registers a command's examples, which its --help shows. They are kept by the command's meta
 * object, which wrappers of a command (index.ts's error handling) keep.
 */
export function addExamples<T extends { meta?: unknown }>(command: T, examples: readonly string[]): T {
  if (typeof command.meta !== 'object' || command.meta === null) throw new TypeError('a command with examples needs a meta object');
  examplesOf.set(command.meta, examples);
  return command;
}

export const EXIT_CODES_HELP = [
  `  ${EXIT.ok}  done`,
  `  ${EXIT.failed}  the answer is no: the server or the store refused, a check did not hold, events were refused`,
  `  ${EXIT.usage}  usage: an unknown command, a missing or bad option`,
  `  ${EXIT.unreachable}  unreachable: no answer from the server, or the store could not be opened`,
].join('\n');

type AnyCommand = CommandDef<ArgsDef>;

/** A sub-command as the tree holds it: the command, or a function that loads its module. */
export type LazyCommand = AnyCommand | (() => AnyCommand | Promise<AnyCommand>);

export async function loadCommand(command: LazyCommand): Promise<AnyCommand> {
  return typeof command === 'function' ? await command() : command;
}

/** The command's sub-commands by name, loaded. */
export async function subCommandsOf(command: AnyCommand): Promise<[string, AnyCommand][]> {
  const subs = Object.entries((command.subCommands ?? {}) as Record<string, LazyCommand>);
  return Promise.all(subs.map(async ([name, sub]) => [name, await loadCommand(sub)] as [string, AnyCommand]));
}

/** The command the words of the command line name, and its path of names from `stele`. */
async function resolve(main: AnyCommand, rawArgs: readonly string[]): Promise<{ command: AnyCommand; path: string[] }> {
  let command = main;
  const path = [String((main.meta as { name?: string } | undefined)?.name ?? 'stele')];
  for (const word of rawArgs) {
    if (word.startsWith('-')) break;
    const sub = (command.subCommands as Record<string, LazyCommand> | undefined)?.[word];
    if (!sub) break;
    command = await loadCommand(sub);
    path.push(word);
  }
  return { command, path };
}

export async function usageOf(main: AnyCommand, rawArgs: readonly string[]): Promise<string> {
  const { command, path } = await resolve(main, rawArgs);
  const meta = (command.meta ?? {}) as { name?: string; version?: string; description?: string };
  const version = (main.meta as { version?: string } | undefined)?.version;
  // citty names a command `<parent name> <own name>`: give it its full path as the parent's.
  const named = { ...command, meta: { ...meta, name: path.at(-1)! } } as AnyCommand;
  const parent = path.length > 1 ? ({ meta: { name: path.slice(0, -1).join(' '), ...(version && { version }) } } as AnyCommand) : undefined;
  let text = (await renderUsage(named, parent)).trimEnd();
  const examples = examplesOf.get(command.meta as object);
  if (examples && examples.length > 0) text += `\n\nEXAMPLES\n\n${examples.map((line) => `  ${line}`).join('\n')}`;
  text += `\n\nEXIT CODES\n\n${EXIT_CODES_HELP}\n`;
  return plainUnlessTerminal(text, process.stdout);
}

/** citty colours its usage and messages; a pipe or a file gets plain text. */
function plainUnlessTerminal(text: string, stream: NodeJS.WriteStream): string {
  return stream.isTTY ? text : text.replace(/\u001b\[[0-9;]*m/g, '');
}

/**
 * Runs the command line: --help (any level) prints the usage; a bad command line prints the usage
 * and the problem on stderr and exits 2; everything else is the command's own business.
 */
export async function runCli(main: AnyCommand, rawArgs: string[] = process.argv.slice(2)): Promise<void> {
  if (rawArgs.includes('--help') || rawArgs.includes('-h') || rawArgs.length === 0) {
    process.stdout.write(await usageOf(main, rawArgs));
    return;
  }
  if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
    process.stdout.write(`${(main.meta as { version?: string }).version}\n`);
    return;
  }
  try {
    await runCommand(main, { rawArgs });
  } catch (error) {
    // citty's own errors are about the command line (unknown command, missing argument).
    if ((error as { name?: string }).name === 'CLIError' && typeof (error as { code?: unknown }).code === 'string') {
      process.stderr.write(`${await usageOf(main, rawArgs)}\nstele: ${plainUnlessTerminal((error as Error).message, process.stderr)}\n`);
      process.exit(EXIT.usage);
    }
    throw error;
  }
}
