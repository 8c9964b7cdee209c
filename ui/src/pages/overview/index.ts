import { lazy } from 'react';
import type { PageEntry } from '../registry';

export const overviewPage: PageEntry = {
  path: '/overview',
  title: 'Overview',
  scope: 'audit:read',
  component: lazy(() => import('./overview-page')),
};
