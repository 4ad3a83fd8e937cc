import { useCallback, useMemo, useState } from 'react';
import { timeline } from '../lib/grouping';
import { relativeTime } from '../lib/time';
import { userKey } from '../protocol/chatRules';
import { roomUlid } from '../protocol/conversations';
import { errorText } from '../protocol/errorMessages';
import type { ChatMessage, ReplyQuote, UserPresence } from '../protocol/frames';
import { RequestError } from '../protocol/requests';
import { isModerator, quoteOf, typingLine, typingNames } from '../state/lifecycle';
import { badgeText } from '../notifications/unreadBadge';
import {
  selectOutgoing,
  selectPresence,
  selectTitle,
  selectTotalUnread,
  selectUnread,
  selectUnreadFrom,
  type AppState,
  type ConversationState,
} from '../state/appState';
import { directReceipt, roomReceipt } from '../state/readReceipts';
import type { ChatSession } from '../state/session';
import { Avatar, presenceDot, RoomAvatar } from './Avatar';
import { Composer, type PendingFile } from './Composer';
import { ConnectionIndicator } from './ConnectionIndicator';
import { UsersIcon } from './icons';
import type { MessageHandlers } from './MessageActions';
import { MessageList } from './MessageList';

export interface ConversationViewProps {
  session: ChatSession;
  state: AppState;
  conversation: ConversationState;
  now: number;
  /** The side panel of this conversation is open: the other user's profile, or the room's members. */
  profileOpen: boolean;
  onToggleProfile(): void;
  onBack(): void;
  draft: string;
  onDraftChange(text: string): void;
  /** The file picked for the next message here, kept while other conversations are open. */
  pendingFile: PendingFile | null;
  onPendingFileChange(change: (file: PendingFile | null) => PendingFile | null): void;
}

/** `known` is false while we are disconnected: nobody is online then, and "Offline" would be a guess. */
export function presenceLine(user: UserPresence | undefined, now: number, known = true): string {
  if (!user) return '';
  if (user.online) return 'Online';
  if (user.lastSeen !== undefined) return `Last seen ${relativeTime(user.lastSeen, now)}`;
  return known ? 'Offline' : 'Status unknown';
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
  const room = conversation.kind === 'room';
  const name = selectTitle(state, conversation);
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
  const item = state.inbox.items[conversationId];
  const members = state.members[conversationId]?.list;
  const otherRead = item?.otherReadMessageId;
  const receipt = useMemo(
    () => (room ? roomReceipt(messages, me, members) : directReceipt(messages, me, otherRead)),
    [room, messages, me, members, otherRead],
  );
  const unreadFrom = selectUnreadFrom(conversation, me);
  const [reply, setReply] = useState<ReplyQuote | null>(null);
  const role = item?.role ?? state.members[conversationId]?.list.find((m) => userKey(m.username) === userKey(me))?.role;
  const moderator = isModerator(conversation.kind, role);
  const handlers = useMemo<MessageHandlers>(() => {
    // A refusal comes back as a message for people (the edit box or the delete dialog shows it).
    const explained = async (action: Promise<void>) => {
      try {
        await action;
      } catch (error) {
        throw new Error(error instanceof RequestError ? errorText(error.code, error.message) : 'Something went wrong; try again.');
      }
    };
    return {
      me,
      moderator,
      onReact: (messageId, emoji, reacted) => void session.react(conversationId, messageId, emoji, reacted),
      onReply: (message: ChatMessage) => {
        setReply(quoteOf(message));
        document.getElementById('composer-input')?.focus();
      },
      onEdit: (messageId, text) => explained(session.editMessage(conversationId, messageId, text)),
      onDelete: (messageId) => explained(session.deleteMessage(conversationId, messageId)),
    };
  }, [session, conversationId, me, moderator]);
  // The message replied to was deleted meanwhile: nothing to answer any more.
  const replyDeleted = reply !== null && messages.some((m) => m.id === reply.messageId && m.deletedAt !== undefined);
  const shownReply = replyDeleted ? null : reply;
  const typing = typingLine(typingNames(state.typing, conversationId));
  const backUnread = selectTotalUnread(state) - selectUnread(state, conversationId);

  return (
    <section
      aria-label={room ? `Room ${name}` : `Conversation with ${name}`}
      data-testid="conversation"
      data-kind={conversation.kind}
      {...(room ? { 'data-room': roomUlid(conversationId) ?? '' } : { 'data-with': userKey(name) })}
      className="flex min-h-0 flex-1 flex-col"
    >
      <header className="flex items-center gap-2 border-b border-slate-200 px-2 py-2 sm:px-4 dark:border-slate-800">
        <BackToPeople unread={backUnread} onBack={onBack} />
        {room ? (
          <RoomHeader name={name} memberCount={item?.memberCount} open={profileOpen} onToggle={onToggleProfile} />
        ) : (
          <DirectHeader state={state} name={name} now={now} open={profileOpen} onToggle={onToggleProfile} />
        )}
        {/* Phones: the app header (and its indicator) is hidden while a conversation is open. */}
        <ConnectionIndicator compact state={state.connection} className="px-1 md:hidden" />
      </header>
      <MessageList
        conversationId={conversationId}
        withName={name}
        kind={conversation.kind}
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
        unreadFrom={unreadFrom}
        receipt={receipt}
        handlers={handlers}
      />
      <p
        role="status"
        aria-live="polite"
        data-testid="typing-indicator"
        className="h-5 shrink-0 truncate px-4 text-xs text-slate-500 italic sm:px-6 dark:text-slate-400"
      >
        {typing}
      </p>
      <Composer
        to={name}
        draft={draft}
        onDraftChange={onDraftChange}
        pendingFile={pendingFile}
        onPendingFileChange={onPendingFileChange}
        onUpload={onUpload}
        reply={shownReply}
        onCancelReply={() => setReply(null)}
        onTyping={(text) => session.noteTyping(conversationId, text)}
        onSend={(text, attachment) => {
          const sent = session.sendMessage(conversation, text, attachment, shownReply ?? undefined) !== null;
          if (sent) setReply(null);
          return sent;
        }}
      />
    </section>
  );
}

function DirectHeader({ state, name, now, open, onToggle }: { state: AppState; name: string; now: number; open: boolean; onToggle(): void }) {
  const user = state.users[userKey(name)];
  const presence = selectPresence(state, name);
  return (
    <button
      type="button"
      aria-label={`Profile of ${name}`}
      aria-expanded={open}
      data-testid="profile-toggle"
      onClick={onToggle}
      className="flex min-w-0 flex-1 items-center gap-3 rounded-xl px-1 py-1 text-left hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-slate-800/60"
    >
      <Avatar name={name} size="md" online={presenceDot(presence)} avatarKey={user?.avatarKey} />
      <span className="min-w-0">
        <h2 className="truncate font-semibold" data-testid="conversation-title">
          {name}
        </h2>
        <span data-testid="conversation-presence" className="block truncate text-xs text-slate-500 dark:text-slate-400">
          {presenceLine(user, now, presence !== 'unknown')}
        </span>
      </span>
    </button>
  );
}

/** A room's name and size; the button opens its members panel. */
function RoomHeader({ name, memberCount, open, onToggle }: { name: string; memberCount: number | undefined; open: boolean; onToggle(): void }) {
  const count = memberCount === undefined ? '' : `${memberCount} ${memberCount === 1 ? 'member' : 'members'}`;
  return (
    <>
      <div className="flex min-w-0 flex-1 items-center gap-3 px-1 py-1">
        <RoomAvatar name={name} />
        <span className="min-w-0">
          <h2 className="truncate font-semibold" data-testid="conversation-title">
            {name}
          </h2>
          <span data-testid="conversation-members" className="block truncate text-xs text-slate-500 dark:text-slate-400">
            {count}
          </span>
        </span>
      </div>
      <button
        type="button"
        data-testid="members-toggle"
        aria-label={count ? `Members, ${count}` : 'Members'}
        aria-expanded={open}
        onClick={onToggle}
        className="flex shrink-0 items-center gap-1.5 rounded-lg px-2 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-300 dark:hover:bg-slate-800"
      >
        <UsersIcon />
        <span aria-hidden="true">{memberCount ?? ''}</span>
      </button>
    </>
  );
}

/** Phones only: back to the conversations, with the unread count of the other conversations. */
function BackToPeople({ unread, onBack }: { unread: number; onBack(): void }) {
  const badge = badgeText(unread);
  return (
    <button
      type="button"
      aria-label={badge ? `Back to conversations, ${unread} unread ${unread === 1 ? 'message' : 'messages'}` : 'Back to conversations'}
      onClick={onBack}
      className="relative shrink-0 rounded-full px-2 py-1 text-xl leading-none hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 md:hidden dark:hover:bg-slate-800"
    >
      <span aria-hidden="true">←</span>
      {badge && (
        <span
          aria-hidden="true"
          data-testid="back-unread-badge"
          className="absolute -top-1 -right-1.5 min-w-5 rounded-full bg-red-600 px-1 text-center text-[11px] leading-5 font-semibold text-white"
        >
          {badge}
        </span>
      )}
    </button>
  );
}
