// Shown on every page of the dashboard (app.tsx) to users who manage streams: which streams are
// failing or disabled, with a link to the Streams page. Checks every 30 seconds.

import { useEffect, useState } from 'react';
import { useSession } from '../../components/session';
import { api } from '../../lib/api';
import { followLink } from '../../lib/router';
import { utcSeconds } from '../../lib/time';
import type { Stream } from './stream-types';

const CHECK_MS = 30_000;

export function FailingStreams() {
  const session = useSession();
  const allowed = session.scopes.includes('streams:manage');
  const [unhealthy, setUnhealthy] = useState<Stream[]>([]);
  useEffect(() => {
    if (!allowed) return undefined;
    const controller = new AbortController();
    const check = () => api<{ streams: Stream[] }>('/v1/streams', { signal: controller.signal }).then(
      ({ streams }) => setUnhealthy(streams.filter((s) => s.state === 'failing' || s.state === 'disabled')),
      () => undefined, // the page itself reports the server being away
    );
    void check();
    const timer = setInterval(check, CHECK_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [allowed]);
  if (unhealthy.length === 0) return null;
  return (
    <div className="stream-alert" role="alert">
      <strong>{unhealthy.length === 1 ? '1 stream is' : `${unhealthy.length} streams are`} not delivering:</strong>{' '}
      {unhealthy.map((s, i) => (
        <span key={s.id}>{i > 0 && ', '}{s.name} ({s.state}{s.failing_since ? ` since ${utcSeconds(s.failing_since)}` : ''})</span>
      ))}
      . <a href="/streams" onClick={followLink}>See streams</a>
    </div>
  );
}
