import { useCallback, useMemo } from 'react';
import { timeline } from '../lib/grouping';
import { relativeTime } from '../lib/time';
import { userKey } from '../protocol/chatRules';
import type { UserPresence } from '../protocol/frames';
import { selectOutgoing, type AppState, type ConversationState } from '../state/appState';
import type { ChatSession } from '../state/session';
import { Avatar } from './Avatar';
import { Composer, type PendingFile } from './Composer';
import { MessageList } from './MessageList';

export interface ConversationViewProps {
  session: ChatSession;
  state: AppState;
  conversation: ConversationState;
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
  conversation,
  now,
  profileOpen,
  onToggleProfile,
  onBack,
  draft,
  onDraftChange,
  pendingFile,
  onPendingFileChange,
}: ConversationViewProps) {
  const conversationId = conversation.id;
  const withKey = userKey(conversation.with);
  const user = state.users[withKey];
  const name = user?.username ?? conversation.with;
  const me = state.me ?? '';
  const outbox = state.outbox;
  const outgoing = useMemo(() => selectOutgoing(outbox, conversationId), [outbox, conversationId]);
  const messages = conversation.messages;
  const items = useMemo(() => timeline(messages, outgoing, me), [messages, outgoing, me]);
  const onLoadOlder = useCallback(() => session.loadOlder(conversationId), [session, conversationId]);
  const onRetry = useCallback((id: string) => session.retry(id), [session]);
  const onDiscard = useCallback((id: string) => session.discard(id), [session]);
  const users = state.users;
  const avatarKeyOf = useCallback((n: string) => users[userKey(n)]?.avatarKey, [users]);
  const onUpload = useCallback((file: File, signal: AbortSignal) => session.uploadAttachment(conversationId, file, signal), [session, conversationId]);

  return (
    <section aria-label={`Conversation with ${name}`} data-testid="conversation" data-with={withKey} className="flex min-h-0 flex-1 flex-col">
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
        conversationId={conversationId}
        withName={name}
        me={me}
        items={items}
        nextCursor={conversation.nextCursor}
        loadingNewest={conversation.loadingNewest}
        loadingOlder={conversation.loadingOlder}
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
        onSend={(text, attachment) => session.sendMessage(conversation, text, attachment) !== null}
      />
    </section>
  );
}
