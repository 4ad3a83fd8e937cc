import { useRef, useState } from 'react';
import { useMediaCache, useMediaUrl } from '../media/mediaContext';
import { userKey } from '../protocol/chatRules';
import type { Presence } from '../state/appState';
import { HashIcon } from './icons';

const PALETTE = [
  'bg-rose-500',
  'bg-orange-500',
  'bg-amber-600',
  'bg-lime-600',
  'bg-emerald-600',
  'bg-teal-600',
  'bg-sky-600',
  'bg-indigo-500',
  'bg-violet-500',
  'bg-fuchsia-600',
];

export function initials(name: string): string {
  const parts = name.split(/[._-]+/).filter(Boolean);
  const letters = parts.length >= 2 ? (parts[0]![0] ?? '') + (parts[1]![0] ?? '') : name.slice(0, 2);
  return letters.toUpperCase() || '?';
}

function colorFor(name: string): string {
  let h = 0;
  for (const c of userKey(name)) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}

const SIZES = {
  sm: 'h-8 w-8 text-xs',
  md: 'h-10 w-10 text-sm',
  lg: 'h-20 w-20 text-2xl',
} as const;

export interface AvatarProps {
  name: string;
  size?: keyof typeof SIZES;
  online?: boolean;
  /** The user's profile picture (from the server); without one, or until it loads, the initials. */
  avatarKey?: string;
}

/** The profile picture when the user has one (through the download-URL cache), else the initials. */
/** The avatar's online dot for a presence: none while it is unknown. */
export function presenceDot(presence: Presence): boolean | undefined {
  return presence === 'unknown' ? undefined : presence === 'online';
}

export function Avatar({ name, size = 'md', online, avatarKey }: AvatarProps) {
  const cache = useMediaCache();
  const entry = useMediaUrl(avatarKey);
  const [loaded, setLoaded] = useState<string | null>(null);
  const [broken, setBroken] = useState<string | null>(null);
  const retried = useRef<string | null>(null);
  const url = avatarKey && entry?.url && entry.url !== broken ? entry.url : null;
  const showing = url !== null && loaded !== null;
  return (
    <span className="relative inline-flex shrink-0">
      <span
        role={url ? undefined : 'img'}
        aria-label={url ? undefined : `Avatar of ${name}`}
        aria-hidden={url ? true : undefined}
        data-testid={url ? undefined : 'avatar'}
        className={`${SIZES[size]} ${colorFor(name)} inline-flex select-none items-center justify-center rounded-full font-semibold text-white`}
      >
        {initials(name)}
      </span>
      {url && (
        <img
          src={url}
          alt={`Avatar of ${name}`}
          data-testid="avatar"
          data-picture="true"
          draggable={false}
          onLoad={() => setLoaded(url)}
          onError={() => {
            setBroken(url);
            // Perhaps expired (a sleeping laptop): ask for a fresh URL once per key.
            if (avatarKey && retried.current !== avatarKey) {
              retried.current = avatarKey;
              cache?.invalidate(avatarKey);
            }
          }}
          className={`${SIZES[size]} absolute inset-0 rounded-full bg-slate-200 object-cover transition-opacity dark:bg-slate-700 ${showing ? 'opacity-100' : 'opacity-0'}`}
        />
      )}
      {online !== undefined && (
        <span
          data-testid="presence-dot"
          data-online={online}
          aria-hidden="true"
          className={`absolute right-0 bottom-0 h-3 w-3 rounded-full ring-2 ring-white dark:ring-slate-900 ${
            online ? 'bg-emerald-500' : 'bg-slate-400 dark:bg-slate-600'
          }`}
        />
      )}
    </span>
  );
}

/** A room's avatar: a rounded square with a hash sign, coloured by the room's name. */
export function RoomAvatar({ name, size = 'md' }: { name: string; size?: keyof typeof SIZES }) {
  return (
    <span
      role="img"
      aria-label={`Room ${name}`}
      data-testid="room-avatar"
      className={`${SIZES[size]} ${colorFor(name || '#')} inline-flex shrink-0 select-none items-center justify-center rounded-xl text-white`}
    >
      <HashIcon className={size === 'lg' ? 'h-9 w-9' : size === 'sm' ? 'h-4 w-4' : 'h-5 w-5'} />
    </span>
  );
}
