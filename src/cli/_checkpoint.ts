// `stele checkpoint`: a tenant's signed checkpoint (C2SP tlog-checkpoint, with any witness
// cosignatures): the latest, the one at a tree size, or a new one of the log as it is now.

import { defineCommand } from 'citty';
import type { CheckpointView } from '../checkpoints/checkpoint-service.js';
import { printJson, usageError, wholeOption } from './_context.js';
import { addExamples } from './_help.js';
import { TARGET_ARGS, withLog } from './_log-access.js';

export function describeCheckpoint(view: CheckpointView): string {
  const witnessed = view.witnesses.length > 0 ? `, cosigned by ${view.witnesses.join(', ')}` : '';
  return `tree size ${view.tree_size}, root ${view.root_hash}, made ${view.created_at}${witnessed}\n\n${view.checkpoint}`;
}

export const checkpointCommand = defineCommand({
  meta: { name: 'checkpoint', description: 'Show the latest signed checkpoint of a tenant\'s log, the one at a tree size, or make one now' },
  args: {
    ...TARGET_ARGS,
    size: { type: 'string', description: 'The checkpoint at this tree size' },
    make: { type: 'boolean', description: 'Sign a checkpoint of the log as it is now (witnessed and published like the server\'s)' },
    json: { type: 'boolean', description: 'Print it as the API does: {tree_size, root_hash, created_at, checkpoint, witnesses}' },
  },
  run: async ({ args }) => {
    const size = wholeOption('size', args.size, { min: 1 });
    if (size !== undefined && args.make) throw usageError('--make signs the log as it is now: leave out --size');
    const view = await withLog(args, (log) => log.checkpoint({ ...(size !== undefined && { size }), ...(args.make && { make: true }) }));
    if (args.json) printJson(view);
    else process.stdout.write(`${describeCheckpoint(view)}`);
  },
});

addExamples(checkpointCommand, [
  'stele checkpoint --url https://audit.example.com --key $STELE_API_KEY',
  'stele checkpoint --make --tenant 01J... --json',
  'stele checkpoint --size 1000 --tenant 01J... > checkpoint-1000.txt',
]);
