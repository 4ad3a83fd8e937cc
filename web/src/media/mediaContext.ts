// React access to the session's download-URL cache: components name the media key they show
// (only keys that came from the server: `avatarKey`, `attachment.key`) and get its URL when known.
import { createContext, useCallback, useContext, useEffect, useSyncExternalStore } from 'react';
import type { DownloadUrlCache, MediaUrlEntry } from './downloadUrlCache';

/** The session's cache; absent (tests, sign-in form) means no pictures: initials and placeholders. */
export const MediaContext = createContext<DownloadUrlCache | null>(null);

export function useMediaCache(): DownloadUrlCache | null {
  return useContext(MediaContext);
}

const noSubscription = () => () => {};

/** The cache entry of `key`, asking for its URL while it is missing or about to expire. */
export function useMediaUrl(key: string | undefined): MediaUrlEntry | undefined {
  const cache = useContext(MediaContext);
  const subscribe = useCallback((listener: () => void) => (cache ? cache.subscribe(listener) : noSubscription()), [cache]);
  const snapshot = () => (cache && key ? cache.peek(key) : undefined);
  const entry = useSyncExternalStore(subscribe, snapshot, snapshot);
  useEffect(() => {
    if (cache && key && !entry?.fresh) cache.want(key);
  }, [cache, key, entry]);
  return entry;
}
