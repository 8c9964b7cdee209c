// Every command of the tree, group or leaf, has --help that names it from `stele`, gives at least
// one example of itself, and lists the exit codes.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CommandDef } from 'citty';
import { main } from './_commands.js';
import { subCommandsOf, usageOf } from './_help.js';

async function paths(command: CommandDef, path: string[] = []): Promise<string[][]> {
  const below = await Promise.all((await subCommandsOf(command)).map(([name, sub]) => paths(sub, [...path, name])));
  return [path, ...below.flat()];
}

it('gives every command a --help with its full name, examples and the exit codes', async () => {
  const all = await paths(main);
  assert.ok(all.length >= 25, `${all.length} commands`);
  for (const path of all) {
    const help = await usageOf(main, path);
    const name = ['stele', ...path].join(' ');
    assert.match(help, new RegExp(`USAGE ${name.replace(/[-]/g, '\\-')}( |$)`, 'm'), name);
    assert.doesNotMatch(help, /\/src\/cli|index\.ts|\.js /, `${name} shows no file path`);
    const examples = help.split('EXAMPLES')[1]?.split('EXIT CODES')[0] ?? '';
    assert.ok(examples.includes(name), `${name} has an example of itself:\n${help}`);
    assert.match(help, /EXIT CODES\n\n {2}0 {2}done\n {2}1 .*\n {2}2 {2}usage.*\n {2}3 {2}unreachable/, name);
  }
});
