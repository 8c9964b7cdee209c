// The dashboard shell: checks the session, shows sign-in or the navigation and the page for the
// current path. Pages come from pages/registry.ts and are filtered by the user's scopes.

import { Suspense, useCallback, useEffect, useState } from 'react';
import { SessionContext } from './components/session';
import { ErrorMessage, Loading } from './components/status';
import { ApiError, api, configureApi } from './lib/api';
import { followLink, navigate, useLocation } from './lib/router';
import type { SessionInfo } from './lib/types';
import { pagesFor, PAGES } from './pages/registry';
import { SignInPage } from './pages/sign-in/sign-in-page';
import { FailingStreams } from './pages/streams';
import { OpenAlertsCount } from './pages/alerts';

type State = { status: 'checking' } | { status: 'signed-out' } | { status: 'signed-in'; session: SessionInfo } | { status: 'error'; error: Error };

export function App() {
  const [state, setState] = useState<State>({ status: 'checking' });
  const { path } = useLocation();

  const signedIn = useCallback((session: SessionInfo) => {
    configureApi({ csrfToken: session.csrf_token }, () => setState({ status: 'signed-out' }));
    setState({ status: 'signed-in', session });
  }, []);

  const check = useCallback(() => {
    api<SessionInfo>('/v1/session').then(signedIn, (error: Error) =>
      setState(error instanceof ApiError && error.status === 401 ? { status: 'signed-out' } : { status: 'error', error }));
  }, [signedIn]);
  useEffect(check, [check]);

  useEffect(() => {
    const page = PAGES.find((p) => p.path === path);
    document.title = state.status === 'signed-in' && page ? `${page.title} · Stele` : 'Stele';
  }, [path, state.status]);

  if (state.status === 'checking') return <main id="main"><Loading what="Stele" /></main>;
  if (state.status === 'error') return <main id="main"><ErrorMessage error={state.error} retry={check} /></main>;
  if (state.status === 'signed-out') return <SignInPage onSignedIn={signedIn} />;

  const { session } = state;
  const pages = pagesFor(session);
  const page = pages.find((p) => p.path === path);
  const signOut = async () => {
    await api('/v1/session', { method: 'DELETE' }).catch(() => undefined);
    configureApi({});
    setState({ status: 'signed-out' });
    navigate('/', { replace: true });
  };

  return (
    <SessionContext.Provider value={session}>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="top">
        <a href="/" onClick={followLink} className="brand"><span className="logo" aria-hidden="true">◆</span> Stele</a>
        <nav aria-label="Main">
          <ul>
            {pages.map((p) => (
              <li key={p.path}><a href={p.path} onClick={followLink} aria-current={p.path === path ? 'page' : undefined}>{p.title}{p.path === '/alerts' && <OpenAlertsCount />}</a></li>
            ))}
          </ul>
        </nav>
        <div className="user">
          <span title={`Tenant ${session.tenant_id}`}>{session.email} <span className="role">{session.role.replace('_', ' ')}</span></span>
          <button type="button" onClick={signOut}>Sign out</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <FailingStreams />
        <Suspense fallback={<Loading what="the page" />}>
          {page ? <page.component /> : (
            <>
              <h1>Page not found</h1>
              <p>There is no page at {path}{PAGES.some((p) => p.path === path) ? ' that your role may see' : ''}. <a href="/" onClick={followLink}>Go to the audit log</a>.</p>
            </>
          )}
        </Suspense>
      </main>
    </SessionContext.Provider>
  );
}
