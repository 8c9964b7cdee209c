import { lazy } from 'react';
import type { PageEntry } from '../registry';

export const streamsPage: PageEntry = {
  path: '/streams',
  title: 'Streams',
  scope: 'streams:manage',
  component: lazy(() => import('./streams-page')),
};

export { FailingStreams } from './failing-streams';
