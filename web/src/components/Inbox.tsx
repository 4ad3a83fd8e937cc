import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { dayLabel, relativeTime, timeLabel } from '../lib/time';
import { badgeText } from '../notifications/unreadBadge';
import { sameUser, userKey } from '../protocol/chatRules';
import { roomUlid, type ConversationRef } from '../protocol/conversations';
import type { InboxEntry } from '../state/appState';
import { previewLine, unreadWeight } from '../state/inboxItems';
import type { ChatSession } from '../state/session';
import { Avatar, presenceDot, RoomAvatar } from './Avatar';
import { PlusIcon } from './icons';
import { PeopleSearchResults } from './PeopleSearchResults';
import { usePeopleSearch } from './usePeopleSearch';

export interface InboxProps {
  session: Pick<ChatSession, 'searchPeople'>;
  entries: InboxEntry[];
  me: string;
  now: number;
  /** No page has come yet. */
  loaded: boolean;
  loading: boolean;
  hasMore: boolean;
  onLoadMore(): void;
  onOpen(ref: ConversationRef): void;
  onNewRoom(): void;
}

/** Distance from the end of the list (px) at which the next page is asked for. */
const END_THRESHOLD = 160;

/** Lowercase, for the accessible name; unknown while we are disconnected (see selectPresence). */
export function presenceText(entry: InboxEntry, now: number): string {
  if (entry.presence === 'online') return 'online';
  if (entry.user?.lastSeen !== undefined) return `last seen ${relativeTime(entry.user.lastSeen, now)}`;
  return entry.presence === 'offline' ? 'offline' : 'status unknown';
}

function presenceTestId(entry: InboxEntry): string {
  if (entry.presence === 'online') return 'presence-online';
  return entry.presence === 'unknown' && entry.user?.lastSeen === undefined ? 'presence-unknown' : 'last-seen';
}

function unreadText(entry: InboxEntry): string {
  const { unread, unreadMore } = entry.item;
  if (unreadMore) return ', more than 99 unread messages';
  return unread > 0 ? `, ${unread} unread ${unread === 1 ? 'message' : 'messages'}` : '';
}

/** The item's accessible name: "Bob, online, 2 unread messages", "Project, room, 3 members, 1 unread message". */
export function entryLabel(entry: InboxEntry, now: number): string {
  if (entry.item.kind === 'room') {
    const n = entry.item.memberCount;
    const members = n === undefined ? '' : `, ${n} ${n === 1 ? 'member' : 'members'}`;
    return `${entry.title}, room${members}${unreadText(entry)}`;
  }
  return `${entry.title}, ${presenceText(entry, now)}${unreadText(entry)}`;
}

/** The stable test id of an item: `inbox-dm-<lowercase username>` or `inbox-room-<ULID>`. */
export function entryTestId(entry: InboxEntry): string {
  return entry.item.kind === 'room' ? `inbox-room-${roomUlid(entry.item.conversationId) ?? entry.item.conversationId}` : `inbox-dm-${userKey(entry.item.name)}`;
}

function activityLabel(at: number, now: number): string {
  if (at <= 0) return '';
  return dayLabel(at, now) === 'Today' ? timeLabel(at) : dayLabel(at, now) === 'Yesterday' ? 'Yesterday' : new Date(at).toLocaleDateString();
}

/** The left column: people search, "New room", and my conversations by last activity (more pages on scroll). */
export function Inbox({ session, entries, me, now, loaded, loading, hasMore, onLoadMore, onOpen, onNewRoom }: InboxProps) {
  const [query, setQuery] = useState('');
  const [search, people] = usePeopleSearch(session);
  const searching = query.trim() !== '';
  return (
    <nav aria-label="Conversations" className="flex min-h-0 flex-1 flex-col">
      <div className="flex items-center gap-2 border-b border-slate-200 p-3 dark:border-slate-800">
        <label htmlFor="people-search" className="sr-only">
          Search people
        </label>
        <input
          id="people-search"
          type="search"
          data-testid="people-search"
          placeholder="Search people"
          autoComplete="off"
          value={query}
          aria-controls="people-results"
          onChange={(e) => {
            setQuery(e.target.value);
            people.setQuery(e.target.value);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              setQuery('');
              people.clear();
            }
          }}
          className="min-w-0 flex-1 rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/30 dark:border-slate-700 dark:bg-slate-950"
        />
        <button
          type="button"
          data-testid="new-room"
          onClick={onNewRoom}
          className="flex shrink-0 items-center gap-1 rounded-lg bg-indigo-600 px-2.5 py-2 text-sm font-semibold text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
        >
          <PlusIcon className="h-4 w-4" />
          New room
        </button>
      </div>
      {searching ? (
        <div className="min-h-0 flex-1 overflow-y-auto p-2">
          <PeopleSearchResults
            id="people-results"
            testId="people-results"
            search={search}
            exclude={new Set([userKey(me)])}
            actionLabel={(name) => `Message ${name}`}
            onPick={(person) => {
              setQuery('');
              people.clear();
              onOpen({ kind: 'direct', with: person.username });
            }}
            onLoadMore={() => people.loadMore()}
          />
        </div>
      ) : (
        <InboxList entries={entries} me={me} now={now} loaded={loaded} loading={loading} hasMore={hasMore} onLoadMore={onLoadMore} onOpen={onOpen} />
      )}
    </nav>
  );
}

function InboxList({ entries, me, now, loaded, loading, hasMore, onLoadMore, onOpen }: Omit<InboxProps, 'session' | 'onNewRoom'>) {
  const listRef = useRef<HTMLUListElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [focusId, setFocusId] = useState<string | null>(null);
  const rovingId = entries.some((e) => e.item.conversationId === focusId)
    ? focusId
    : (entries.find((e) => e.current)?.item.conversationId ?? entries[0]?.item.conversationId ?? null);

  // A page that does not fill the column gives no scroll event: ask for the next one here.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el || !hasMore || loading || el.clientHeight === 0) return;
    if (el.scrollHeight <= el.clientHeight + 1) onLoadMore();
  }, [entries.length, hasMore, loading, onLoadMore]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (el && hasMore && !loading && el.scrollHeight - el.scrollTop - el.clientHeight <= END_THRESHOLD) onLoadMore();
  };

  // Arrow keys move between conversations, Home/End jump; Tab leaves the list (one tab stop).
  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const buttons = Array.from(listRef.current?.querySelectorAll<HTMLButtonElement>('button[data-conversation-id]') ?? []);
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
    setFocusId(target.dataset.conversationId ?? null);
  };

  if (entries.length === 0) {
    return (
      <p data-testid="inbox-empty" role={loaded ? undefined : 'status'} className="p-4 text-sm text-slate-500 dark:text-slate-400">
        {loaded ? 'No conversations yet. Search for someone above, or start a room.' : 'Loading conversations…'}
      </p>
    );
  }
  return (
    <div ref={scrollRef} onScroll={onScroll} className="min-h-0 flex-1 overflow-y-auto p-2">
      <ul ref={listRef} data-testid="inbox-list" aria-label="Your conversations" onKeyDown={onKeyDown}>
        {entries.map((entry) => (
          <li key={entry.item.conversationId}>
            <InboxRow entry={entry} me={me} now={now} tabbable={entry.item.conversationId === rovingId} onOpen={onOpen} onFocus={() => setFocusId(entry.item.conversationId)} />
          </li>
        ))}
      </ul>
      {loading ? (
        <p role="status" data-testid="inbox-loading" className="p-2 text-center text-xs text-slate-500 dark:text-slate-400">
          Loading conversations…
        </p>
      ) : (
        hasMore && (
          <button
            type="button"
            data-testid="inbox-load-more"
            onClick={onLoadMore}
            className="mx-auto my-1 block rounded-full px-3 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-300 dark:hover:bg-indigo-950"
          >
            Load more conversations
          </button>
        )
      )}
    </div>
  );
}

function InboxRow({
  entry,
  me,
  now,
  tabbable,
  onOpen,
  onFocus,
}: {
  entry: InboxEntry;
  me: string;
  now: number;
  tabbable: boolean;
  onOpen(ref: ConversationRef): void;
  onFocus(): void;
}) {
  const { item } = entry;
  const badge = badgeText(unreadWeight(item));
  const preview = previewLine(item, me);
  const room = item.kind === 'room';
  const lastFromOther = item.lastMessage !== undefined && !sameUser(item.lastMessage.from, me);
  return (
    <button
      type="button"
      data-testid={entryTestId(entry)}
      data-conversation-id={item.conversationId}
      data-kind={item.kind}
      data-unread={unreadWeight(item)}
      {...(!room ? { 'data-online': entry.presence === 'online', 'data-presence': entry.presence } : {})}
      aria-current={entry.current ? 'true' : undefined}
      aria-label={entryLabel(entry, now)}
      tabIndex={tabbable ? 0 : -1}
      onClick={() => onOpen(room ? { kind: 'room', id: item.conversationId } : { kind: 'direct', with: entry.title })}
      onFocus={onFocus}
      className={`flex w-full items-center gap-3 rounded-xl px-3 py-2 text-left focus-visible:outline-2 focus-visible:outline-indigo-500 ${
        entry.current ? 'bg-indigo-100 dark:bg-indigo-950' : 'hover:bg-slate-100 dark:hover:bg-slate-800/60'
      }`}
    >
      {room ? (
        <RoomAvatar name={entry.title} />
      ) : (
        <Avatar name={entry.title} online={entry.presence ? presenceDot(entry.presence) : undefined} avatarKey={entry.user?.avatarKey} />
      )}
      <span className="min-w-0 flex-1">
        <span className="flex items-baseline gap-2">
          <span className={`min-w-0 flex-1 truncate ${badge ? 'font-semibold' : 'font-medium'}`} data-testid="inbox-title">
            {entry.title}
          </span>
          <span className="shrink-0 text-[11px] text-slate-500 dark:text-slate-400">{activityLabel(item.lastActivityAt, now)}</span>
        </span>
        {preview && <span
          data-testid="inbox-preview"
          className={`block truncate text-xs ${badge && lastFromOther ? 'text-slate-800 dark:text-slate-200' : 'text-slate-500 dark:text-slate-400'}`}
        >
          {preview}
        </span>}
        {!room && !preview && (
          <span data-testid={presenceTestId(entry)} className="block truncate text-xs text-slate-500 dark:text-slate-400">
            {(() => {
              const text = presenceText(entry, now);
              return text.charAt(0).toUpperCase() + text.slice(1);
            })()}
          </span>
        )}
      </span>
      {badge && (
        <span
          data-testid="unread-badge"
          aria-hidden="true"
          className="min-w-6 rounded-full bg-indigo-600 px-2 py-0.5 text-center text-xs font-bold text-white"
        >
          {badge}
        </span>
      )}
    </button>
  );
}
