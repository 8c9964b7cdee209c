import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sqliteDialect as dialect } from '../store/sqlite/sqlite-dialect.js';
import { SteleError } from '../domain/errors.js';
import { createEventSelector } from './selection.js';

const NOW = Date.parse('2026-06-01T00:00:00.000Z');

describe('event selector', () => {
  const saved = { query: 'action:login.*', filters: { success: false } };
  const select = createEventSelector({ dialect, now: () => NOW, findSavedSearch: async (tenant, id) => (tenant === 't1' && id === 's1' ? saved : undefined) });

  it('leaves a request without q or saved_search to its filters alone', async () => {
    assert.deepEqual(await select.fromQuery('t1', { action: 'a,b', q: '' }), { filters: { action: ['a', 'b'] } });
  });

  it('compiles q to parameters, never to text holding the value', async () => {
    const selection = await select.fromQuery('t1', { q: "actor:o'brien@example.com" });
    assert.ok(selection.extra!.params.includes("o'brien@example.com"));
    assert.ok(!selection.extra!.text.includes('brien'));
    assert.equal(selection.extraKey, JSON.stringify({ q: "actor:o'brien@example.com" }));
  });

  it('keys a selection by the saved search content as well as its id', async () => {
    const selection = await select.fromQuery('t1', { saved_search: 's1', q: 'seq:>3' });
    assert.equal(selection.extraKey, JSON.stringify({ saved: ['s1', saved.query, saved.filters], q: 'seq:>3' }));
  });

  it('answers an unknown or other tenant\'s saved search with not_found', async () => {
    for (const [tenant, id] of [['t1', 'nope'], ['t2', 's1']] as const) {
      await assert.rejects(select.fromQuery(tenant, { saved_search: id }), (e: SteleError) => e.code === 'not_found');
    }
  });

  it('refuses saved_search when no saved searches are wired in, rather than ignoring it', async () => {
    const bare = createEventSelector({ dialect });
    await assert.rejects(bare.fromQuery('t1', { saved_search: 's1' }), (e: SteleError) => e.code === 'not_found');
  });

  it('throws invalid_query with the position for a bad q', async () => {
    await assert.rejects(select.fromQuery('t1', { q: 'action:' }), (e: SteleError) => e.code === 'invalid_query' && typeof e.extra.position === 'number');
  });
});
