import { useCallback, useMemo } from 'react';
import { timeline } from '../lib/grouping';
import { relativeTime } from '../lib/time';
import { userKey } from '../protocol/rules';
import type { ChatSession } from '../protocol/session';
import { selectOutgoing, type AppState } from '../protocol/state';
import type { UserPresence } from '../protocol/types';
import { Avatar } from './Avatar';
import { Composer, type PendingFile } from './Composer';
import { MessageList } from './MessageList';

export interface ConversationViewProps {
  session: ChatSession;
  state: AppState;
  conversationKey: string;
  now: number;
  profileOpen: boolean;
  onToggleProfile(): void;
  onBack(): void;
  draft: string;
  onDraftChange(text: string): void;
  /** The file picked for the next message here, kept while other conversations are open. */
  pendingFile: PendingFile | null;
  onPendingFileChange(change: (file: PendingFile | null) => PendingFile | null): void;
}

export function presenceLine(user: UserPresence | undefined, now: number): string {
  if (!user) return '';
  if (user.online) return 'Online';
  return user.lastSeen !== undefined ? `Last seen ${relativeTime(user.lastSeen, now)}` : 'Offline';
}

export function ConversationView({
  session,
  state,
  conversationKey,
  now,
  profileOpen,
  onToggleProfile,
  onBack,
  draft,
  onDraftChange,
  pendingFile,
  onPendingFileChange,
}: ConversationViewProps) {
  const conv = state.conversations[conversationKey];
  const user = state.users[conversationKey];
  const name = user?.username ?? conv?.with ?? conversationKey;
  const me = state.me ?? '';
  const outbox = state.outbox;
  const outgoing = useMemo(() => selectOutgoing(outbox, conversationKey), [outbox, conversationKey]);
  const messages = conv?.messages;
  const items = useMemo(() => timeline(messages ?? [], outgoing, me), [messages, outgoing, me]);
  const onLoadOlder = useCallback(() => session.loadOlder(name), [session, name]);
  const onRetry = useCallback((id: string) => session.retry(id), [session]);
  const onDiscard = useCallback((id: string) => session.discard(id), [session]);
  const users = state.users;
  const avatarKeyOf = useCallback((n: string) => users[userKey(n)]?.avatarKey, [users]);
  const onUpload = useCallback((file: File, signal: AbortSignal) => session.uploadAttachment(name, file, signal), [session, name]);

  return (
    <section aria-label={`Conversation with ${name}`} data-testid="conversation" data-with={conversationKey} className="flex min-h-0 flex-1 flex-col">
      <header className="flex items-center gap-2 border-b border-slate-200 px-2 py-2 sm:px-4 dark:border-slate-800">
        <button
          type="button"
          aria-label="Back to people"
          onClick={onBack}
          className="rounded-full px-2 py-1 text-xl leading-none hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 md:hidden dark:hover:bg-slate-800"
        >
          <span aria-hidden="true">←</span>
        </button>
        <button
          type="button"
          aria-label={`Profile of ${name}`}
          aria-expanded={profileOpen}
          data-testid="profile-toggle"
          onClick={onToggleProfile}
          className="flex min-w-0 flex-1 items-center gap-3 rounded-xl px-1 py-1 text-left hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-slate-800/60"
        >
          <Avatar name={name} size="md" online={user?.online ?? false} avatarKey={user?.avatarKey} />
          <span className="min-w-0">
            <h2 className="truncate font-semibold" data-testid="conversation-title">
              {name}
            </h2>
            <span data-testid="conversation-presence" className="block truncate text-xs text-slate-500 dark:text-slate-400">
              {presenceLine(user, now)}
            </span>
          </span>
        </button>
      </header>
      <MessageList
        conversationKey={conversationKey}
        withName={name}
        me={me}
        items={items}
        nextCursor={conv?.nextCursor}
        loadingNewest={conv?.loadingNewest ?? false}
        loadingOlder={conv?.loadingOlder ?? false}
        now={now}
        onLoadOlder={onLoadOlder}
        onRetry={onRetry}
        onDiscard={onDiscard}
        avatarKeyOf={avatarKeyOf}
      />
      <Composer
        to={name}
        draft={draft}
        onDraftChange={onDraftChange}
        pendingFile={pendingFile}
        onPendingFileChange={onPendingFileChange}
        onUpload={onUpload}
        onSend={(text, attachment) => session.sendMessage(name, text, attachment) !== null}
      />
    </section>
  );
}
