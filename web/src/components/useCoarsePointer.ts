import { useSyncExternalStore } from 'react';

// A touch screen as the main pointer (phones, tablets): there Enter types a new line (the
// on-screen keyboard has no Shift+Enter) and nothing takes the focus by itself (it would pop the
// keyboard up over the conversation).
const COARSE = '(pointer: coarse)';

function query(): MediaQueryList | undefined {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' ? window.matchMedia(COARSE) : undefined;
}

function subscribe(onChange: () => void): () => void {
  const list = query();
  list?.addEventListener?.('change', onChange);
  return () => list?.removeEventListener?.('change', onChange);
}

export function useCoarsePointer(): boolean {
  return useSyncExternalStore(subscribe, () => query()?.matches ?? false, () => false);
}
