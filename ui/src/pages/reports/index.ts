import { lazy } from 'react';
import type { PageEntry } from '../registry';

// audit:export, as the API asks: reports hold the log's contents, like exports.
export const reportsPage: PageEntry = {
  path: '/reports',
  title: 'Reports',
  scope: 'audit:export',
  component: lazy(() => import('./reports-page')),
};
