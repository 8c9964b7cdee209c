// Mint a short-lived viewer token and get the snippet that embeds the read-only viewer; see the
// tenant's live tokens and revoke one at once (its viewer is refused from the next request).

import { useId, useState, type FormEvent } from 'react';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { api } from '../../lib/api';
import { utcSeconds } from '../../lib/time';
import { useAsync } from '../../lib/use-async';

interface Minted { token: string; expires_at: string; embed_url: string }
interface LiveToken { id: string; filters: Record<string, string | string[]>; expires_at: string; created_at: string; created_by: string }

const describeFilters = (filters: LiveToken['filters']) =>
  Object.entries(filters).map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : value}`).join('; ') || 'all events';

export default function EmbedTokensPage() {
  const id = useId();
  const [hours, setHours] = useState('1');
  const [actions, setActions] = useState('');
  const [minted, setMinted] = useState<Minted | undefined>();
  const [failure, setFailure] = useState<Error | undefined>();
  const tokens = useAsync<{ tokens: LiveToken[] }>('/v1/viewer-tokens', (signal) => api('/v1/viewer-tokens', { signal }));

  const mint = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    const action = actions.split(',').map((a) => a.trim()).filter(Boolean);
    try {
      setMinted(await api<Minted>('/v1/viewer-tokens', {
        method: 'POST',
        body: { ttl_seconds: Math.round(Number(hours) * 3600), ...(action.length > 0 && { filters: { action } }) },
      }));
      tokens.reload();
    } catch (error) {
      setFailure(error as Error);
    }
  };

  const revoke = async (token: LiveToken) => {
    if (!window.confirm(`Revoke the viewer token minted ${utcSeconds(token.created_at)}? The viewer using it stops working at once.`)) return;
    setFailure(undefined);
    try {
      await api(`/v1/viewer-tokens/${encodeURIComponent(token.id)}`, { method: 'DELETE' });
      tokens.reload();
    } catch (error) {
      setFailure(error as Error);
    }
  };

  const snippet = minted && `<script src="${location.origin}/embed.js" defer></script>\n<stele-viewer token="${minted.token}"></stele-viewer>`;

  return (
    <>
      <h1>Embed viewer</h1>
      <p className="lead">Show one customer its own audit log inside your product: mint a short-lived, read-only token on your server and pass it to the viewer.</p>
      <form className="card" onSubmit={mint} aria-labelledby={`${id}-new`}>
        <h2 id={`${id}-new`}>New viewer token</h2>
        <div className="row-fields">
          <div className="field">
            <label htmlFor={`${id}-hours`}>Valid for (hours, at most 24)</label>
            <input id={`${id}-hours`} type="number" min={0.1} max={24} step={0.1} required value={hours} onChange={(e) => setHours(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-actions`}>Only these actions (optional, comma-separated, login.* for a prefix)</label>
            <input id={`${id}-actions`} value={actions} onChange={(e) => setActions(e.target.value)} />
          </div>
        </div>
        <button type="submit" className="primary">Mint token</button>
      </form>
      {failure && <ErrorMessage error={failure} />}
      {minted && snippet && (
        <div className="card" role="status">
          <h2>Token minted, expires {utcSeconds(minted.expires_at)}</h2>
          <label htmlFor={`${id}-snippet`}>Embed snippet</label>
          <textarea id={`${id}-snippet`} readOnly rows={3} className="mono" value={snippet} onFocus={(e) => e.target.select()} />
          <p><a href={minted.embed_url} target="_blank" rel="noopener noreferrer">Open the viewer in a new tab</a></p>
        </div>
      )}
      <h2>Live tokens</h2>
      {tokens.loading && !tokens.data && <Loading what="viewer tokens" />}
      {tokens.error && <ErrorMessage error={tokens.error} retry={tokens.reload} />}
      {tokens.data && tokens.data.tokens.length === 0 && <Empty>No live viewer tokens.</Empty>}
      {tokens.data && tokens.data.tokens.length > 0 && (
        <div className="table-scroll">
          <table className="plain">
            <caption className="visually-hidden">Live viewer tokens of this tenant</caption>
            <thead><tr><th scope="col">Minted (UTC)</th><th scope="col">By</th><th scope="col">Shows</th><th scope="col">Expires (UTC)</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {tokens.data.tokens.map((token) => (
                <tr key={token.id}>
                  <td>{utcSeconds(token.created_at)}</td>
                  <td>{token.created_by}</td>
                  <td className="mono">{describeFilters(token.filters)}</td>
                  <td>{utcSeconds(token.expires_at)}</td>
                  <td><button type="button" className="danger" onClick={() => revoke(token)} aria-label={`Revoke the viewer token minted ${utcSeconds(token.created_at)}`}>Revoke</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
