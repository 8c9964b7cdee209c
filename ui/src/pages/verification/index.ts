import { lazy } from 'react';
import type { PageEntry } from '../registry';

export const verificationPage: PageEntry = {
  path: '/verify',
  title: 'Verification',
  scope: 'audit:read',
  component: lazy(() => import('./verification-page')),
};
