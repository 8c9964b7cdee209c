import { lazy } from 'react';
import type { PageEntry } from '../registry';

export const auditLogPage: PageEntry = {
  path: '/',
  title: 'Audit log',
  scope: 'audit:read',
  component: lazy(() => import('./audit-log-page')),
};
