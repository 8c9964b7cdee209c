import { lazy } from 'react';
import type { PageEntry } from '../registry';

export const alertsPage: PageEntry = {
  path: '/alerts',
  title: 'Alerts',
  scope: 'alerts:manage',
  component: lazy(() => import('./alerts-page')),
};

export { OpenAlertsCount } from './open-alerts-count';
