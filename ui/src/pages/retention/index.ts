import { lazy } from 'react';
import type { PageEntry } from '../registry';

export const retentionPage: PageEntry = {
  path: '/settings/retention',
  title: 'Retention',
  scope: 'retention:manage',
  component: lazy(() => import('./retention-page')),
};
