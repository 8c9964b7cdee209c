// `stele sdk types`: a TypeScript module with a typed helper for each event type the tenant
// declared (PUT /v1/event-types/{action}), for use with @stele/sdk.

import { defineCommand } from 'citty';
import { eventTypesModule } from '@stele/sdk/codegen';
import { addExamples } from './_help.js';
import { TARGET_ARGS, withLog } from './_log-access.js';

const typesCommand = defineCommand({
  meta: { name: 'types', description: 'Print a TypeScript module of typed helpers for the tenant\'s declared event types' },
  args: { ...TARGET_ARGS },
  run: async ({ args }) => {
    const { source, types } = await withLog(args, async (log) => ({ source: `from the event types of ${log.description}`, types: (await log.eventTypes()).event_types }));
    process.stdout.write(eventTypesModule(types, `${source} on ${new Date().toISOString().slice(0, 10)}`));
  },
});

addExamples(typesCommand, [
  'npx stele sdk types --url https://audit.example.com --key $STELE_API_KEY > src/audit-types.ts',
  'npx stele sdk types --tenant 01J... > src/audit-types.ts   # from the local store',
]);

export const sdkCommand = defineCommand({
  meta: { name: 'sdk', description: 'Code for applications that use @stele/sdk' },
  subCommands: { types: typesCommand },
});

addExamples(sdkCommand, ['npx stele sdk types --url https://audit.example.com --key $STELE_API_KEY > src/audit-types.ts']);
