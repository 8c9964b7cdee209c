// "Save search": stores the view now in the URL (q and filters, relative time windows kept
// relative) as a named saved search of the tenant, listed on the Saved searches page.

import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ErrorMessage } from '../../components/status';
import { api } from '../../lib/api';
import { followLink } from '../../lib/router';
import type { SavedSearch } from '../../lib/types';
import { filterObject, type AuditView } from './url-state';

export function SaveSearch({ view }: { view: AuditView }) {
  const id = useId();
  const details = useRef<HTMLDetailsElement>(null);
  const [name, setName] = useState('');
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<SavedSearch | undefined>();
  const [failure, setFailure] = useState<Error | undefined>();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    setSaved(undefined);
    setSaving(true);
    try {
      setSaved(await api<SavedSearch>('/v1/saved-searches', { method: 'POST', body: { name: name.trim(), query: view.q, filters: filterObject(view) } }));
      setName('');
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setSaving(false);
    }
  };
  const close = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || !details.current?.open) return;
    details.current.open = false;
    details.current.querySelector('summary')?.focus();
  };

  return (
    <details className="save-search" ref={details} onKeyDown={close}>
      <summary>Save search</summary>
      <div className="menu-panel">
        <form onSubmit={save} aria-label="Save this search">
          <label htmlFor={`${id}-name`}>Name of the saved search</label>
          <input
            id={`${id}-name`} required maxLength={200} value={name} autoComplete="off"
            aria-describedby={`${id}-help`} onChange={(e) => setName(e.target.value)}
          />
          <p id={`${id}-help`} className="help">Saves the search text and filters applied now{view.range !== 'custom' ? '; the time window stays relative' : ''}.</p>
          <button type="submit" className="primary" disabled={saving || name.trim() === ''}>Save</button>
        </form>
        <div role="status">
          {saved && <p className="menu-note">Saved “{saved.name}”. Open it any time from <a href="/saved-searches" onClick={followLink}>Saved searches</a>.</p>}
        </div>
        {failure && <ErrorMessage error={failure} />}
      </div>
    </details>
  );
}
