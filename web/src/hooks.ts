import { useEffect, useState, useSyncExternalStore } from 'react';
import type { AppState } from './state/appState';
import type { ChatSession } from './state/session';

export function useAppState(session: ChatSession): AppState {
  return useSyncExternalStore(session.store.subscribe, session.store.getState, session.store.getState);
}

/** The current time, refreshed every `intervalMs` (for "last seen 5 minutes ago"). */
export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}
