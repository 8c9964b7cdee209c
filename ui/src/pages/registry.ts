// Every page of the dashboard, in menu order. A feature adds a page by adding a folder under
// pages/ with an index.ts exporting a PageEntry, and one line here.

import type { ComponentType, LazyExoticComponent } from 'react';
import type { SessionInfo } from '../lib/types';
import { alertsPage } from './alerts';
import { apiKeysPage } from './api-keys';
import { auditLogPage } from './audit-log';
import { embedTokensPage } from './embed-tokens';
import { overviewPage } from './overview';
import { reportsPage } from './reports';
import { retentionPage } from './retention';
import { savedSearchesPage } from './saved-searches';
import { streamsPage } from './streams';
import { verificationPage } from './verification';

export interface PageEntry {
  /** Client-side path, e.g. '/keys'. */
  path: string;
  title: string;
  /** The API scope a user needs to see the page; the API enforces it again on every call. */
  scope: string;
  /** Usually lazy (`lazy(() => import('./page'))`), so a page does not grow the main chunk. */
  component: ComponentType | LazyExoticComponent<ComponentType>;
}

export const PAGES: readonly PageEntry[] = [auditLogPage, overviewPage, reportsPage, savedSearchesPage, verificationPage, streamsPage, alertsPage, retentionPage, apiKeysPage, embedTokensPage];

export const pagesFor = (session: SessionInfo): PageEntry[] => PAGES.filter((page) => session.scopes.includes(page.scope));
