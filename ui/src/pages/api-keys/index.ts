import { lazy } from 'react';
import type { PageEntry } from '../registry';

export const apiKeysPage: PageEntry = {
  path: '/keys',
  title: 'API keys',
  scope: 'keys:manage',
  component: lazy(() => import('./api-keys-page')),
};
