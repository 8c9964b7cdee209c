import type { PageEntry } from '../registry';
import AuditLogPage from './audit-log-page';

// The landing page is in the main chunk, not lazy: it is what every visit renders first, and a
// lazy page waits for its chunk and for React's Suspense reveal throttle (~300 ms).
export const auditLogPage: PageEntry = {
  path: '/',
  title: 'Audit log',
  scope: 'audit:read',
  component: AuditLogPage,
};
