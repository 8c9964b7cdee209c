import { lazy } from 'react';
import type { PageEntry } from '../registry';

export const embedTokensPage: PageEntry = {
  path: '/embed-tokens',
  title: 'Embed viewer',
  scope: 'keys:manage',
  component: lazy(() => import('./embed-tokens-page')),
};
