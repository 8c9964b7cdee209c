// A feature thread for feature-thread.test.ts, on the real thread port: says when it started,
// writes a record through the serving thread and reads it back on its own connection, records an
// event through the serving thread's trail (and reports a refusal, with its code when it is a
// SteleError), records two at once, and dies when told to.

import { isSteleError } from '../../domain/errors.js';
import { connectThread } from '../thread-port.js';
import type { Config } from '../../config.js';

export type ProbeCommand = { do: 'write-and-read' | 'record' | 'record-refused' | 'record-all' | 'die' };

const { data, store, trail, serve, send } = connectThread<{ config: Config; generation: number }>('probe');
const key = { kind: 'probe', tenantId: 't1', id: 'p1' };

serve({
  message(message) {
    const { do: command } = message as ProbeCommand;
    if (command === 'die') process.exit(3);
    void (async () => {
      if (command === 'write-and-read') {
        const inserted = await store.insertRecord(key, { n: 1 }, new Date().toISOString());
        send({ inserted, read: (await store.getRecord(key))?.body });
      } else if (command === 'record-all') {
        const entry = { action: 'alert.fired', actor: { id: 'probe', type: 'system' } } as const;
        try {
          await trail.recordAll('t1', [entry, entry]);
          send({ recordedAll: true });
        } catch (error) {
          send({ refusedAll: (error as Error).message, code: isSteleError(error) ? error.code : null });
        }
      } else {
        try {
          await trail.record(command === 'record' ? 't1' : 'nobody', { action: 'stream.recovered', actor: { id: 'probe', type: 'system' } });
          send({ recorded: true });
        } catch (error) {
          send({ refused: (error as Error).message });
        }
      }
    })();
  },
  stop: async () => send({ stopping: true }),
});
send({ started: data.config.dataDir });
