import { lazy } from 'react';
import type { PageEntry } from '../registry';

// audit:read, as the API asks: a saved search is a reader's bookmark, so viewers have them too.
export const savedSearchesPage: PageEntry = {
  path: '/saved-searches',
  title: 'Saved searches',
  scope: 'audit:read',
  component: lazy(() => import('./saved-searches-page')),
};
