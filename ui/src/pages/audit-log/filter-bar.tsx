// The filter bar: edits a draft of the view and applies it to the URL on submit, so typing does
// not fire a request per keystroke and Enter in any field applies.

import { useEffect, useId, useState, type FormEvent } from 'react';
import { isoToLocalInput, localInputToIso } from '../../lib/time';
import { RANGES, type AuditView, type Range } from './url-state';

export interface FilterBarProps {
  view: AuditView;
  actions: string[];
  categories: string[];
  targetTypes: string[];
  /** The API's complaint about `q`, shown under the search box; position is 1-based. */
  queryError?: { message: string; position?: number };
  onApply: (view: AuditView) => void;
  onReset: () => void;
}

export function FilterBar({ view, actions, categories, targetTypes, queryError, onApply, onReset }: FilterBarProps) {
  const [draft, setDraft] = useState(view);
  useEffect(() => setDraft(view), [view]);
  const id = useId();
  const set = <K extends keyof AuditView>(key: K, value: AuditView[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({ ...draft, page: 1 });
  };
  // Offer the actions seen in the log, plus any already chosen (from a shared link).
  const options = [...new Set([...draft.actions, ...actions])].sort();
  const categoryOptions = [...new Set([...draft.categories, ...categories])].sort();

  return (
    <form className="filters" onSubmit={submit} role="search" aria-label="Filter events">
      <div className="field search">
        <label htmlFor={`${id}-q`}>Search</label>
        <input
          id={`${id}-q`} name="q" type="search" value={draft.q} spellCheck={false} autoComplete="off"
          placeholder="actor:alice@example.com AND action:login.*"
          aria-invalid={queryError ? true : undefined} aria-describedby={queryError ? `${id}-q-error` : `${id}-q-help`}
          onChange={(e) => set('q', e.target.value)}
        />
        {queryError ? (
          <p id={`${id}-q-error`} className="field-error" role="alert">
            {queryError.message}{queryError.position !== undefined ? ` (at character ${queryError.position})` : ''}
          </p>
        ) : (
          <p id={`${id}-q-help`} className="help">Field:value terms with AND, OR, NOT and parentheses; press Enter to search.</p>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-actions`}>Event types</label>
        <select
          id={`${id}-actions`} multiple size={4} value={draft.actions}
          onChange={(e) => set('actions', [...e.target.selectedOptions].map((o) => o.value))}
        >
          {options.map((action) => <option key={action} value={action}>{action}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-category`}>Category</label>
        <select
          id={`${id}-category`} multiple size={4} value={draft.categories}
          onChange={(e) => set('categories', [...e.target.selectedOptions].map((o) => o.value))}
        >
          {categoryOptions.map((category) => <option key={category} value={category}>{category}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-actor`}>Actor (id or email)</label>
        <input id={`${id}-actor`} value={draft.actor} onChange={(e) => set('actor', e.target.value)} autoComplete="off" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-target`}>Target id</label>
        <input id={`${id}-target`} value={draft.target} onChange={(e) => set('target', e.target.value)} autoComplete="off" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-target-type`}>Target type</label>
        <input id={`${id}-target-type`} list={`${id}-target-types`} value={draft.targetType} onChange={(e) => set('targetType', e.target.value)} autoComplete="off" />
        <datalist id={`${id}-target-types`}>{targetTypes.map((t) => <option key={t} value={t} />)}</datalist>
      </div>
      <div className="field">
        <label htmlFor={`${id}-ip`}>IP or CIDR</label>
        <input id={`${id}-ip`} value={draft.ip} onChange={(e) => set('ip', e.target.value.trim())} placeholder="10.0.0.0/8" autoComplete="off" spellCheck={false} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-success`}>Result</label>
        <select id={`${id}-success`} value={draft.success} onChange={(e) => set('success', e.target.value as AuditView['success'])}>
          <option value="">Any</option>
          <option value="true">Success</option>
          <option value="false">Failure</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-range`}>Time</label>
        <select id={`${id}-range`} value={draft.range} onChange={(e) => set('range', e.target.value as Range)}>
          {RANGES.map((r) => <option key={r.value} value={r.value}>{r.label}</option>)}
        </select>
      </div>
      {draft.range === 'custom' && (
        <>
          <div className="field">
            <label htmlFor={`${id}-from`}>From (UTC)</label>
            <input id={`${id}-from`} type="datetime-local" value={isoToLocalInput(draft.from)} onChange={(e) => set('from', localInputToIso(e.target.value))} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-to`}>To (UTC)</label>
            <input id={`${id}-to`} type="datetime-local" value={isoToLocalInput(draft.to)} onChange={(e) => set('to', localInputToIso(e.target.value))} />
          </div>
        </>
      )}
      <div className="actions">
        <button type="submit" className="primary">Apply filters</button>
        <button type="button" onClick={onReset}>Reset</button>
      </div>
    </form>
  );
}
