import { useEffect, useRef } from 'react';
import type { UserPresence } from '../protocol/types';
import { fullDateTime, relativeTime } from '../lib/time';
import { Avatar } from './Avatar';

export interface ProfilePanelProps {
  user: UserPresence;
  now: number;
  onClose(): void;
}

export function ProfilePanel({ user, now, onClose }: ProfilePanelProps) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => closeRef.current?.focus(), []);
  return (
    <aside
      aria-label={`Profile of ${user.username}`}
      data-testid="profile-panel"
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
      className="absolute inset-0 z-30 flex flex-col bg-white lg:static lg:z-auto lg:w-72 lg:border-l lg:border-slate-200 dark:bg-slate-900 lg:dark:border-slate-800"
    >
      <div className="flex items-center justify-between border-b border-slate-200 p-3 dark:border-slate-800">
        <h2 className="font-semibold">Profile</h2>
        <button
          ref={closeRef}
          type="button"
          aria-label="Close profile"
          onClick={onClose}
          className="rounded-full px-2 py-1 text-lg leading-none hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-slate-800"
        >
          <span aria-hidden="true">×</span>
        </button>
      </div>
      <div className="flex flex-col items-center gap-3 p-6 text-center">
        <Avatar name={user.username} size="lg" online={user.online} />
        <p className="text-xl font-semibold" data-testid="profile-name">
          {user.username}
        </p>
        <p data-testid="profile-presence" className="text-sm">
          {user.online ? (
            <span className="text-emerald-700 dark:text-emerald-400">Online</span>
          ) : (
            <span className="text-slate-600 dark:text-slate-400">Offline</span>
          )}
        </p>
        {!user.online && (
          <p data-testid="profile-last-seen" className="text-sm text-slate-600 dark:text-slate-400">
            {user.lastSeen !== undefined ? (
              <>
                Last seen{' '}
                <time dateTime={new Date(user.lastSeen).toISOString()} title={fullDateTime(user.lastSeen)}>
                  {relativeTime(user.lastSeen, now)}
                </time>
              </>
            ) : (
              'Not seen yet'
            )}
          </p>
        )}
      </div>
    </aside>
  );
}
