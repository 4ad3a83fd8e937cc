import { useEffect, useRef, useState, type ReactNode } from 'react';
import { MediaError } from '../media/upload';
import { AVATAR_ACCEPT, AVATAR_RULE, checkMediaFile } from '../media/mediaRules';
import type { UserPresence } from '../protocol/frames';
import { fullDateTime, relativeTime } from '../lib/time';
import { presenceOf } from '../state/appState';
import { Avatar, presenceDot } from './Avatar';

export interface ProfilePanelProps {
  user: UserPresence;
  now: number;
  onClose(): void;
  /** My own profile: the picture can be changed and removed. */
  isMe?: boolean;
  /** Uploads and sets a new profile picture; rejects with a MediaError. */
  onChangePicture?(file: File): Promise<void>;
  onRemovePicture?(): Promise<void>;
  /** More of my own settings, below the picture (notifications). */
  children?: ReactNode;
  /** False while we are disconnected: a contact not shown online may be, so "Offline" would be a guess. */
  presenceKnown?: boolean;
}

export function ProfilePanel({ user, now, onClose, isMe = false, presenceKnown = true, onChangePicture, onRemovePicture, children }: ProfilePanelProps) {
  const closeRef = useRef<HTMLButtonElement>(null);
  const presence = presenceOf(user, presenceKnown);
  useEffect(() => closeRef.current?.focus(), []);
  return (
    <aside
      aria-label={`Profile of ${user.username}`}
      data-testid="profile-panel"
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
      className="absolute inset-0 z-30 flex flex-col bg-white lg:static lg:z-auto lg:w-72 lg:border-l lg:border-slate-200 dark:bg-slate-900 lg:dark:border-slate-800"
    >
      <div className="flex items-center justify-between border-b border-slate-200 p-3 dark:border-slate-800">
        <h2 className="font-semibold">{isMe ? 'Your profile' : 'Profile'}</h2>
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
        <Avatar name={user.username} size="lg" online={presenceDot(presence)} avatarKey={user.avatarKey} />
        <p className="text-xl font-semibold" data-testid="profile-name">
          {user.username}
        </p>
        <p data-testid="profile-presence" className="text-sm">
          {user.online ? (
            <span className="text-emerald-700 dark:text-emerald-400">Online</span>
          ) : (
            <span className="text-slate-600 dark:text-slate-400">{presence === 'offline' ? 'Offline' : 'Status unknown'}</span>
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
        {isMe && onChangePicture && (
          <PictureControls hasPicture={user.avatarKey !== undefined} onChange={onChangePicture} onRemove={onRemovePicture} />
        )}
        {isMe && children}
      </div>
    </aside>
  );
}

function PictureControls({ hasPicture, onChange, onRemove }: { hasPicture: boolean; onChange(file: File): Promise<void>; onRemove?(): Promise<void> }) {
  const fileRef = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState<'uploading' | 'removing' | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const live = useRef(true);
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  const run = async (kind: 'uploading' | 'removing', work: () => Promise<void>, done: string) => {
    setBusy(kind);
    setError(null);
    setStatus(null);
    try {
      await work();
      if (live.current) setStatus(done);
    } catch (e) {
      if (live.current) setError(e instanceof MediaError ? e.message : 'Something went wrong. Try again.');
    } finally {
      if (live.current) setBusy(null);
    }
  };

  const pick = (file: File) => {
    const problem = checkMediaFile('avatar', file);
    if (problem) {
      setStatus(null);
      setError(problem.message);
      return;
    }
    void run('uploading', () => onChange(file), 'Profile picture updated.');
  };

  const button =
    'rounded-lg px-3 py-1.5 text-sm font-semibold focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 disabled:cursor-not-allowed disabled:opacity-50';
  return (
    <div className="mt-2 flex w-full flex-col items-center gap-2" data-testid="picture-controls">
      <div className="flex flex-wrap justify-center gap-2">
        <button
          type="button"
          data-testid="change-picture"
          disabled={busy !== null}
          onClick={() => fileRef.current?.click()}
          className={`${button} bg-indigo-600 text-white hover:bg-indigo-700`}
        >
          Change picture
        </button>
        <input
          ref={fileRef}
          type="file"
          hidden
          accept={AVATAR_ACCEPT}
          aria-label="Change picture"
          data-testid="avatar-input"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) pick(file);
          }}
        />
        {hasPicture && onRemove && (
          <button
            type="button"
            data-testid="remove-picture"
            disabled={busy !== null}
            onClick={() => void run('removing', onRemove, 'Profile picture removed.')}
            className={`${button} text-slate-700 ring-1 ring-slate-300 hover:bg-slate-100 dark:text-slate-200 dark:ring-slate-600 dark:hover:bg-slate-800`}
          >
            Remove picture
          </button>
        )}
      </div>
      <p className="text-xs text-slate-500 dark:text-slate-400">{AVATAR_RULE.charAt(0).toUpperCase() + AVATAR_RULE.slice(1)}.</p>
      <p role="status" data-testid="picture-status" className="min-h-4 text-sm text-slate-600 dark:text-slate-300">
        {busy === 'uploading' ? 'Uploading picture…' : busy === 'removing' ? 'Removing picture…' : status}
      </p>
      {error && (
        <p role="alert" data-testid="picture-error" className="text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}
