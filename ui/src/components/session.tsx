// The signed-in user, available to every page once the shell has checked the session.

import { createContext, useContext } from 'react';
import type { SessionInfo } from '../lib/types';

export const SessionContext = createContext<SessionInfo | undefined>(undefined);

export function useSession(): SessionInfo {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}
