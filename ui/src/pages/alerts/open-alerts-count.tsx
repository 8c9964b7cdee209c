// The number of open alerts beside "Alerts" in the navigation, for users who manage alerts.
// Checks every 30 seconds, and at once when the Alerts page changes an alert.

import { useEffect, useState } from 'react';
import { api } from '../../lib/api';
import type { AlertList } from './alert-types';

const CHECK_MS = 30_000;
export const ALERTS_CHANGED = 'stele:alerts-changed';

export function OpenAlertsCount() {
  const [open, setOpen] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    const check = () => api<AlertList>('/v1/alerts?state=open&limit=1', { signal: controller.signal }).then(
      (list) => setOpen(list.counts.open),
      () => undefined, // the page itself reports the server being away
    );
    void check();
    const timer = setInterval(check, CHECK_MS);
    window.addEventListener(ALERTS_CHANGED, check);
    return () => {
      clearInterval(timer);
      window.removeEventListener(ALERTS_CHANGED, check);
      controller.abort();
    };
  }, []);
  if (open === 0) return null;
  return <span className="badge fail nav-count" aria-label={`${open} open`}>{open}</span>;
}
