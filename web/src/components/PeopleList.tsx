import { useRef, useState, type KeyboardEvent } from 'react';
import { relativeTime } from '../lib/time';
import type { PersonView } from '../state/appState';
import { Avatar, presenceDot } from './Avatar';

export interface PeopleListProps {
  people: PersonView[];
  /** The conversation on screen: its person is marked current. */
  openConversationId: string | null;
  now: number;
  filter: string;
  onFilter(filter: string): void;
  onOpen(username: string): void;
}

/** Lowercase, for the accessible name; unknown while we are disconnected (see PersonView.presence). */
export function presenceText(p: PersonView, now: number): string {
  if (p.presence === 'online') return 'online';
  if (p.user.lastSeen !== undefined) return `last seen ${relativeTime(p.user.lastSeen, now)}`;
  return p.presence === 'offline' ? 'offline' : 'status unknown';
}

function presenceTestId(p: PersonView): string {
  if (p.presence === 'online') return 'presence-online';
  return p.presence === 'unknown' && p.user.lastSeen === undefined ? 'presence-unknown' : 'last-seen';
}

export function PeopleList({ people, openConversationId, now, filter, onFilter, onOpen }: PeopleListProps) {
  const listRef = useRef<HTMLUListElement>(null);
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const rovingKey = people.some((p) => p.key === focusKey)
    ? focusKey
    : (people.find((p) => p.conversationId === openConversationId)?.key ?? people[0]?.key ?? null);

  // Arrow keys move between people, Home/End jump; Tab leaves the list (one tab stop).
  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const buttons = Array.from(listRef.current?.querySelectorAll<HTMLButtonElement>('button[data-person]') ?? []);
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    let next = -1;
    if (e.key === 'ArrowDown') next = Math.min(buttons.length - 1, index + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, index - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = buttons.length - 1;
    const target = next >= 0 ? buttons[next] : undefined;
    if (!target) return;
    e.preventDefault();
    target.focus();
    setFocusKey(target.dataset.person ?? null);
  };

  return (
    <nav aria-label="People" className="flex min-h-0 flex-1 flex-col">
      <div className="border-b border-slate-200 p-3 dark:border-slate-800">
        <label htmlFor="people-filter" className="sr-only">
          Filter people
        </label>
        <input
          id="people-filter"
          type="search"
          placeholder="Search people"
          autoComplete="off"
          value={filter}
          onChange={(e) => onFilter(e.target.value)}
          className="w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/30 dark:border-slate-700 dark:bg-slate-950"
        />
      </div>
      {people.length === 0 ? (
        <p data-testid="people-empty" className="p-4 text-sm text-slate-500 dark:text-slate-400">
          {filter ? `Nobody matches “${filter}”.` : 'Nobody else is here yet. Invite a friend!'}
        </p>
      ) : (
        <ul ref={listRef} data-testid="people-list" onKeyDown={onKeyDown} className="min-h-0 flex-1 overflow-y-auto p-2">
          {people.map((p) => {
            const current = p.conversationId === openConversationId;
            const presence = presenceText(p, now);
            const unread = p.unread > 0 ? `, ${p.unread} unread ${p.unread === 1 ? 'message' : 'messages'}` : '';
            return (
              <li key={p.key}>
                <button
                  type="button"
                  data-person={p.key}
                  data-testid={`person-${p.key}`}
                  data-online={p.presence === 'online'}
                  data-presence={p.presence}
                  aria-current={current ? 'true' : undefined}
                  aria-label={`${p.user.username}, ${presence}${unread}`}
                  tabIndex={p.key === rovingKey ? 0 : -1}
                  onClick={() => onOpen(p.user.username)}
                  onFocus={() => setFocusKey(p.key)}
                  className={`flex w-full items-center gap-3 rounded-xl px-3 py-2 text-left focus-visible:outline-2 focus-visible:outline-indigo-500 ${
                    current
                      ? 'bg-indigo-100 dark:bg-indigo-950'
                      : 'hover:bg-slate-100 dark:hover:bg-slate-800/60'
                  }`}
                >
                  <Avatar name={p.user.username} online={presenceDot(p.presence)} avatarKey={p.user.avatarKey} />
                  <span className="min-w-0 flex-1">
                    <span className="block truncate font-medium">{p.user.username}</span>
                    <span data-testid={presenceTestId(p)} className="block truncate text-xs text-slate-500 dark:text-slate-400">
                      {presence.charAt(0).toUpperCase() + presence.slice(1)}
                    </span>
                  </span>
                  {p.unread > 0 && (
                    <span
                      data-testid="unread-badge"
                      aria-hidden="true"
                      className="min-w-6 rounded-full bg-indigo-600 px-2 py-0.5 text-center text-xs font-bold text-white"
                    >
                      {p.unread > 99 ? '99+' : p.unread}
                    </span>
                  )}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}
