// Sign-in: email and password for a dashboard user (created with `stele users create`).

import { useId, useState, type FormEvent } from 'react';
import { api } from '../../lib/api';
import type { SessionInfo } from '../../lib/types';

export function SignInPage({ onSignedIn }: { onSignedIn: (session: SessionInfo) => void }) {
  const id = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await api<SessionInfo>('/v1/session', { method: 'POST', body: { email, password } }));
    } catch (failure) {
      setError((failure as Error).message);
      setBusy(false);
    }
  };

  return (
    <main className="sign-in" id="main">
      <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`}>
        <h1 id={`${id}-title`}><span className="logo" aria-hidden="true">◆</span> Sign in to Stele</h1>
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input id={`${id}-email`} type="email" autoComplete="username" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input id={`${id}-password`} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        {error && <p className="field-error" role="alert">{error}</p>}
        <button type="submit" className="primary wide" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        <p className="help">No account? An administrator creates one with <code>stele users create</code>.</p>
      </form>
    </main>
  );
}
