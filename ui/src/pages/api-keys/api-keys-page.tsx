// API keys of the signed-in user's tenant: create (the secret is shown once), list, revoke.

import { useId, useState, type FormEvent } from 'react';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { useSession } from '../../components/session';
import { api } from '../../lib/api';
import { utcSeconds } from '../../lib/time';
import { useAsync } from '../../lib/use-async';

interface ApiKey { id: string; name: string; scopes: string[]; created_at: string; revoked_at: string | null }

const SCOPES = ['events:write', 'audit:read', 'audit:export', 'audit:write', 'streams:manage', 'alerts:manage', 'retention:manage', 'keys:manage', 'event_types:manage'];

export default function ApiKeysPage() {
  const session = useSession();
  const base = `/v1/tenants/${encodeURIComponent(session.tenant_id)}/keys`;
  const keys = useAsync<{ keys: ApiKey[] }>(base, (signal) => api(base, { signal }));
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['events:write']);
  const [created, setCreated] = useState<{ name: string; key: string } | undefined>();
  const [failure, setFailure] = useState<Error | undefined>();
  const id = useId();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    try {
      const key = await api<ApiKey & { key: string }>(base, { method: 'POST', body: { name, scopes } });
      setCreated({ name: key.name, key: key.key });
      setName('');
      keys.reload();
    } catch (error) {
      setFailure(error as Error);
    }
  };

  const revoke = async (key: ApiKey) => {
    if (!window.confirm(`Revoke the key "${key.name}"? Applications using it stop working at once.`)) return;
    setFailure(undefined);
    try {
      await api(`${base}/${encodeURIComponent(key.id)}`, { method: 'DELETE' });
      keys.reload();
    } catch (error) {
      setFailure(error as Error);
    }
  };

  return (
    <>
      <h1>API keys</h1>
      <form className="card" onSubmit={create} aria-labelledby={`${id}-new`}>
        <h2 id={`${id}-new`}>New key</h2>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <fieldset>
          <legend>Scopes</legend>
          <div className="checks">
            {SCOPES.map((scope) => (
              <label key={scope} className="check">
                <input
                  type="checkbox" checked={scopes.includes(scope)}
                  onChange={(e) => setScopes((s) => (e.target.checked ? [...s, scope] : s.filter((x) => x !== scope)))}
                />
                {scope}
              </label>
            ))}
          </div>
        </fieldset>
        <button type="submit" className="primary" disabled={scopes.length === 0}>Create key</button>
      </form>
      {created && (
        <div className="card secret" role="status">
          <h2>Key “{created.name}” created</h2>
          <p>Copy it now: it is shown only once and Stele keeps only its hash.</p>
          <label htmlFor={`${id}-secret`}>New API key</label>
          <input id={`${id}-secret`} readOnly value={created.key} onFocus={(e) => e.target.select()} className="mono" />
          <button type="button" onClick={() => setCreated(undefined)}>I have copied it</button>
        </div>
      )}
      {failure && <ErrorMessage error={failure} />}
      <h2>Keys</h2>
      {keys.loading && !keys.data && <Loading what="keys" />}
      {keys.error && <ErrorMessage error={keys.error} retry={keys.reload} />}
      {keys.data && keys.data.keys.length === 0 && <Empty>No API keys yet. Create one above to send events.</Empty>}
      {keys.data && keys.data.keys.length > 0 && (
        <div className="table-scroll">
          <table className="plain">
            <caption className="visually-hidden">API keys of this tenant</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Created (UTC)</th><th scope="col">Status</th></tr></thead>
            <tbody>
              {keys.data.keys.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td className="mono">{key.scopes.join(', ')}</td>
                  <td>{utcSeconds(key.created_at)}</td>
                  <td>
                    {key.revoked_at
                      ? <span className="muted">Revoked {utcSeconds(key.revoked_at)}</span>
                      : <button type="button" className="danger" onClick={() => revoke(key)} aria-label={`Revoke key ${key.name}`}>Revoke</button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
