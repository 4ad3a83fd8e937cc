import { useCallback, useLayoutEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import { useCoarsePointer } from './useCoarsePointer';
import { groupTimeline, type SenderGroup, type TimelineItem } from '../lib/grouping';
import { dayLabel, fullDateTime, timeLabel } from '../lib/time';
import { sameUser } from '../protocol/chatRules';
import { messagePermissions } from '../state/lifecycle';
import { receiptLabel, type Receipt } from '../state/readReceipts';
import { AttachmentView } from './Attachment';
import { Avatar } from './Avatar';
import { ActionsToggle, DeleteMessageDialog, EditBox, EditedMark, MessageActions, QuoteBlock, ReactionsBar, Tombstone, type MessageHandlers } from './MessageActions';
import { MessageText } from './MessageText';

export interface MessageListProps {
  conversationId: string;
  /** The other user, or the room's name. */
  withName: string;
  kind?: 'direct' | 'room';
  me: string;
  items: TimelineItem[];
  /** null: the first message is loaded; string: more before; undefined: nothing loaded yet. */
  nextCursor: string | null | undefined;
  loadingNewest: boolean;
  loadingOlder: boolean;
  now: number;
  onLoadOlder(): void;
  onRetry(clientMessageId: string): void;
  onDiscard(clientMessageId: string): void;
  /** The profile picture of a sender, by display name. */
  avatarKeyOf?(name: string): string | undefined;
  /** Id of the first message that was unread when the conversation was opened: the "New messages" divider goes above it. */
  unreadFrom?: string | null;
  /** "Seen" or "Read by N", under the message it names. */
  receipt?: Receipt | null;
  /** React, reply, edit, delete (#15); without them messages have no actions. */
  handlers?: MessageHandlers;
}

/** Scrolls to a message of the log when it is loaded, and marks it for a moment; false when it is not loaded. */
function showMessage(root: HTMLElement | null, messageId: string): boolean {
  const el = root?.querySelector<HTMLElement>(`[data-testid="message"][data-message-id="${CSS.escape(messageId)}"]`);
  if (!el) return false;
  el.scrollIntoView?.({ block: 'center', behavior: 'smooth' });
  el.dataset.highlight = 'true';
  setTimeout(() => delete el.dataset.highlight, 1600);
  return true;
}

/** Distance from the bottom (px) still counted as "at the bottom". */
const BOTTOM_SLACK = 48;
/** Distance from the top (px) at which the next older page is requested. */
const TOP_THRESHOLD = 160;
/** Keys that scroll up: pressed at the top, they ask for older messages though nothing scrolls. */
const SCROLL_UP_KEYS = new Set(['ArrowUp', 'PageUp', 'Home']);

/** An item's top in the log's content coordinates (independent of the scroll position). */
function contentTop(scroller: HTMLElement, key: string | undefined): number | null {
  if (key === undefined) return null;
  const el = scroller.querySelector(`[data-item-key="${CSS.escape(key)}"]`);
  if (!el) return null;
  return el.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop;
}

export function MessageList(props: MessageListProps) {
  const { conversationId, withName, kind = 'direct', me, items, nextCursor, loadingNewest, loadingOlder, now, onLoadOlder, unreadFrom = null, receipt = null } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const previous = useRef<{ conversationId: string; first?: string; firstTop: number | null; last?: string } | null>(null);
  /** The oldest item when older messages were last asked for without a scroll (a page that did not move the view). */
  const autoLoadedAt = useRef<string | undefined>(undefined);
  const [showNewMessages, setShowNewMessages] = useState(false);
  const hasMore = typeof nextCursor === 'string';
  const days = useMemo(() => groupTimeline(items, me, unreadFrom), [items, me, unreadFrom]);

  const maybeLoadOlder = useCallback(() => {
    const el = scrollRef.current;
    if (!el || !hasMore || loadingOlder) return;
    if (el.scrollTop <= TOP_THRESHOLD || el.scrollHeight <= el.clientHeight + 1) onLoadOlder();
  }, [hasMore, loadingOlder, onLoadOlder]);

  const scrollToBottom = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setShowNewMessages(false);
  }, []);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK;
    if (atBottom.current) setShowNewMessages(false);
    maybeLoadOlder();
  };

  // Keep the reader's place: older messages added above keep what is on screen where it is (even
  // when a live message lands in the same render); new messages follow only a reader already at
  // the bottom (or one who just sent); otherwise a "new messages" button. A conversation opens at
  // its "New messages" divider when the unread part does not fit, else at the bottom.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const first = items[0]?.key;
    const last = items[items.length - 1]?.key;
    const prev = previous.current;
    if (!prev || prev.conversationId !== conversationId) {
      const divider = el.querySelector<HTMLElement>('[data-testid="unread-divider"]');
      const dividerTop = divider ? divider.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop : null;
      el.scrollTop = dividerTop !== null ? Math.min(el.scrollHeight, dividerTop - 8) : el.scrollHeight;
      atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK;
      setShowNewMessages(false);
    } else {
      if (first !== prev.first && prev.firstTop !== null) {
        const movedBy = (contentTop(el, prev.first) ?? prev.firstTop) - prev.firstTop;
        if (movedBy !== 0) el.scrollTop += movedBy;
      }
      if (last !== prev.last) {
        const newest = items[items.length - 1];
        if (atBottom.current || newest?.kind === 'outgoing') {
          el.scrollTop = el.scrollHeight;
          atBottom.current = true;
          setShowNewMessages(false);
        } else if (newest && !sameUser(newest.from, me)) {
          setShowNewMessages(true);
        }
      }
    }
    previous.current = { conversationId, first, firstTop: contentTop(el, first), last };
  }, [items, conversationId, me]);

  // Reflows (window resize, profile panel, fonts) keep a reader at the bottom there.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    const content = contentRef.current;
    if (!el || !content || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      if (atBottom.current) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    observer.observe(content);
    return () => observer.disconnect();
  }, []);

  // Older pages are asked for on scroll events, but a view that does not move gives none: a page
  // that does not fill the view, or a reader left at the top when a page came in (or when the top
  // was reached while a page was on its way). Then ask here, once per oldest item (a page that
  // brings nothing, or fails, is not asked for again in a loop: the next scroll or the button does).
  useLayoutEffect(() => {
    const el = scrollRef.current;
    const first = items[0]?.key;
    if (!el || !hasMore || loadingOlder || first === undefined || el.clientHeight === 0) return;
    const fits = el.scrollHeight <= el.clientHeight + 1;
    if ((fits || el.scrollTop <= TOP_THRESHOLD) && autoLoadedAt.current !== first) {
      autoLoadedAt.current = first;
      onLoadOlder();
    }
  }, [items, hasMore, loadingOlder, onLoadOlder]);

  const onShow = useCallback((messageId: string) => void showMessage(scrollRef.current, messageId), []);

  // At the very top the wheel, a swipe or the keys scroll nothing and fire no scroll event.
  const onWheel = (e: { deltaY: number }) => {
    if (e.deltaY < 0) maybeLoadOlder();
  };
  const onKeyDown = (e: { key: string }) => {
    if (SCROLL_UP_KEYS.has(e.key)) maybeLoadOlder();
  };

  return (
    <div className="relative min-h-0 flex-1">
      <div
        ref={scrollRef}
        role="log"
        aria-label={kind === 'room' ? `Messages in ${withName}` : `Messages with ${withName}`}
        aria-busy={loadingOlder || loadingNewest || undefined}
        data-testid="message-log"
        tabIndex={0}
        onScroll={onScroll}
        onWheel={onWheel}
        onTouchMove={maybeLoadOlder}
        onKeyDown={onKeyDown}
        className="h-full overflow-y-auto px-3 py-2 [overflow-anchor:none] focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-500 sm:px-6"
      >
        <div ref={contentRef}>
        <div className="flex min-h-8 items-center justify-center py-2">
          {loadingOlder ? (
            <p role="status" data-testid="loading-older" className="text-xs text-slate-500 dark:text-slate-400">
              Loading older messages…
            </p>
          ) : hasMore ? (
            <button
              type="button"
              data-testid="load-older"
              onClick={onLoadOlder}
              className="rounded-full px-3 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-300 dark:hover:bg-indigo-950"
            >
              Load older messages
            </button>
          ) : nextCursor === null ? (
            <p data-testid="history-start" className="text-xs text-slate-500 dark:text-slate-400">
              {kind === 'room' ? `This is the beginning of ${withName}.` : `This is the beginning of your conversation with ${withName}.`}
            </p>
          ) : loadingNewest ? (
            <p role="status" className="text-xs text-slate-500 dark:text-slate-400">
              Loading messages…
            </p>
          ) : null}
        </div>
        {days.map((day) => (
          <section key={day.day} aria-label={dayLabel(day.at, now)}>
            {/* In the flow, not sticky: a pill floating over the log hid the bubbles under it. */}
            <h3 data-testid="day-separator" className="my-3 flex justify-center">
              <span className="rounded-full bg-slate-100 px-3 py-0.5 text-xs font-medium text-slate-600 dark:bg-slate-800 dark:text-slate-300">
                {dayLabel(day.at, now)}
              </span>
            </h3>
            {day.groups.map((group) => (
              <MessageRun
                key={group.key}
                group={group}
                receipt={receipt}
                avatarKeyOf={props.avatarKeyOf}
                onRetry={props.onRetry}
                onDiscard={props.onDiscard}
                handlers={props.handlers}
                onShow={onShow}
              />
            ))}
          </section>
        ))}
        {items.length === 0 && !loadingNewest && nextCursor !== undefined && (
          <p data-testid="conversation-empty" className="py-8 text-center text-sm text-slate-500 dark:text-slate-400">
            No messages yet. Say hello!
          </p>
        )}
        </div>
      </div>
      {showNewMessages && (
        <button
          type="button"
          data-testid="new-messages"
          onClick={scrollToBottom}
          className="absolute bottom-3 left-1/2 -translate-x-1/2 rounded-full bg-indigo-600 px-4 py-1.5 text-sm font-semibold text-white shadow-lg hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
        >
          New messages ↓
        </button>
      )}
    </div>
  );
}

/** The line above the unread part of the conversation, as it was when the conversation was opened. */
function UnreadDivider() {
  return (
    <div
      role="separator"
      aria-label="New messages"
      data-testid="unread-divider"
      className="my-3 flex items-center gap-3 text-xs font-semibold text-rose-600 dark:text-rose-400"
    >
      <span aria-hidden="true" className="h-px flex-1 bg-rose-300 dark:bg-rose-800" />
      <span aria-hidden="true">New messages</span>
      <span aria-hidden="true" className="h-px flex-1 bg-rose-300 dark:bg-rose-800" />
    </div>
  );
}

/** A run of messages of one sender, a few minutes apart at most: one name and one time above it. */
function MessageRun({
  group,
  receipt,
  avatarKeyOf,
  onRetry,
  onDiscard,
  handlers,
  onShow,
}: {
  group: SenderGroup;
  receipt: Receipt | null;
  avatarKeyOf?(name: string): string | undefined;
  onRetry(id: string): void;
  onDiscard(id: string): void;
  handlers?: MessageHandlers;
  onShow(messageId: string): void;
}) {
  const firstAt = group.items[0]?.at ?? 0;
  return (
    <>
      {group.unreadStart && <UnreadDivider />}
      <div data-testid="message-group" className={`my-2 flex items-end gap-2 ${group.mine ? 'flex-row-reverse' : ''}`}>
        {!group.mine && <Avatar name={group.from} size="sm" avatarKey={avatarKeyOf?.(group.from)} />}
        <ol
          aria-label={group.mine ? 'You' : group.from}
          className={`flex min-w-0 max-w-[85%] flex-col gap-0.5 sm:max-w-[70%] ${group.mine ? 'items-end' : 'items-start'}`}
        >
          <li className="flex items-baseline gap-2 px-3 text-xs text-slate-500 dark:text-slate-400">
            {/* The list's label names the sender already. */}
            {!group.mine && (
              <span aria-hidden="true" className="min-w-0 truncate font-medium">
                {group.from}
              </span>
            )}
            <time
              data-testid="run-time"
              dateTime={new Date(firstAt).toISOString()}
              title={fullDateTime(firstAt)}
              className="shrink-0 whitespace-nowrap text-[11px]"
            >
              {timeLabel(firstAt)}
            </time>
          </li>
          {group.items.map((item) => (
            <MessageBubble
              key={item.key}
              item={item}
              mine={group.mine}
              receipt={receipt && item.kind === 'message' && item.message.id === receipt.messageId ? receipt : null}
              onRetry={onRetry}
              onDiscard={onDiscard}
              handlers={handlers}
              onShow={onShow}
            />
          ))}
        </ol>
      </div>
    </>
  );
}

export function MessageBubble({
  item,
  mine,
  receipt,
  onRetry,
  onDiscard,
  handlers,
  onShow,
}: {
  item: TimelineItem;
  mine: boolean;
  receipt: Receipt | null;
  onRetry(id: string): void;
  onDiscard(id: string): void;
  handlers?: MessageHandlers;
  onShow(messageId: string): void;
}) {
  // A tap on the bubble shows its exact time (hovering shows it too, as the bubble's title).
  const [showTime, setShowTime] = useState(false);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [actionsOpen, setActionsOpen] = useState(false);
  const toggleRef = useRef<HTMLButtonElement>(null);
  const coarse = useCoarsePointer();
  const message = item.kind === 'message' ? item.message : null;
  const deleted = message?.deletedAt !== undefined;
  const text = message ? message.text : item.kind === 'outgoing' ? item.outgoing.text : '';
  const attachment = message ? message.attachment : item.kind === 'outgoing' ? item.outgoing.attachment : undefined;
  const quote = message ? message.replyTo : item.kind === 'outgoing' ? item.outgoing.replyTo : undefined;
  const status = item.kind === 'message' ? 'sent' : item.outgoing.status;
  const exact = fullDateTime(item.at);
  const bubble = mine
    ? status === 'failed'
      ? 'bg-red-50 text-red-900 ring-1 ring-red-300 dark:bg-red-950 dark:text-red-100 dark:ring-red-800'
      : 'bg-indigo-600 text-white'
    : 'bg-slate-100 text-slate-900 dark:bg-slate-800 dark:text-slate-100';
  const toggleTime = (e: MouseEvent) => {
    // Links and buttons in the bubble do their own thing; a text selection is not a tap.
    if ((e.target as Element).closest('a, button') || window.getSelection()?.toString()) return;
    setShowTime((shown) => !shown);
  };
  const allowed = message && handlers ? messagePermissions(message, handlers.me, handlers.moderator) : null;
  return (
    <li
      data-testid="message"
      data-item-key={item.key}
      data-status={status}
      data-message-id={message?.id}
      data-client-message-id={item.kind === 'message' ? item.message.clientMessageId : item.outgoing.clientMessageId}
      data-from={item.from}
      data-deleted={deleted ? 'true' : undefined}
      data-edited={message?.editedAt !== undefined ? 'true' : undefined}
      className={`group/message relative flex max-w-full flex-col rounded-2xl transition-shadow data-[highlight=true]:ring-2 data-[highlight=true]:ring-amber-400 ${mine ? 'items-end' : 'items-start'}`}
    >
      {quote && !deleted && <QuoteBlock quote={quote} mine={mine} onShow={onShow} />}
      {deleted ? (
        <div title={exact}>
          <Tombstone />
        </div>
      ) : editing && message && handlers ? (
        <EditBox message={message} mine={mine} onSave={(t) => handlers.onEdit(message.id, t)} onDone={() => setEditing(false)} />
      ) : (
        // On touch screens the "⋯" button sits beside the bubble (toward the middle of the log).
        <div className={`flex max-w-full items-center gap-1 ${mine ? 'flex-row-reverse' : ''}`}>
          <div className={`flex min-w-0 max-w-full flex-col ${mine ? 'items-end' : 'items-start'}`}>
            {attachment && (
              <div className={`max-w-full ${status === 'pending' ? 'opacity-70' : ''} ${text ? 'mb-0.5' : ''}`}>
                <AttachmentView attachment={attachment} mine={mine} />
              </div>
            )}
            {(text || !attachment) && (
              <div
                data-testid="message-bubble"
                title={exact}
                onClick={toggleTime}
                className={`min-w-0 max-w-full rounded-2xl px-3 py-1.5 ${bubble} ${status === 'pending' ? 'opacity-70' : ''} ${
                  // "edited" ends the last line when it fits there, else it goes under the text, at the end.
                  message?.editedAt !== undefined ? 'flex flex-wrap items-baseline gap-x-1.5' : ''
                }`}
              >
                <MessageText text={text} />
                {message?.editedAt !== undefined && <EditedMark editedAt={message.editedAt} />}
              </div>
            )}
            {!text && attachment && message?.editedAt !== undefined && <EditedMark editedAt={message.editedAt} />}
          </div>
          {coarse && allowed && (allowed.react || allowed.reply || allowed.edit || allowed.delete) && (
            <ActionsToggle open={actionsOpen} onToggle={() => setActionsOpen((o) => !o)} toggleRef={toggleRef} />
          )}
        </div>
      )}
      {message && allowed && !editing && (
        <MessageActions
          message={message}
          mine={mine}
          allowed={allowed}
          handlers={handlers!}
          onEdit={() => setEditing(true)}
          onDelete={() => setDeleting(true)}
          open={actionsOpen}
          onOpenChange={setActionsOpen}
          toggleRef={toggleRef}
        />
      )}
      {message && !deleted && message.reactions && message.reactions.length > 0 && (
        <ReactionsBar
          reactions={message.reactions}
          mine={mine}
          onToggle={handlers ? (emoji, reacted) => handlers.onReact(message.id, emoji, reacted) : undefined}
        />
      )}
      {(showTime || status !== 'sent') && (
        <div className="flex flex-wrap items-center gap-x-2 px-2 text-[11px] text-slate-500 dark:text-slate-400">
          {showTime && (
            <time data-testid="message-time" dateTime={new Date(item.at).toISOString()} className="whitespace-nowrap">
              {exact}
            </time>
          )}
          {status === 'pending' && <span data-testid="message-pending">Sending…</span>}
          {item.kind === 'outgoing' && status === 'failed' && (
            <>
              <span role="alert" data-testid="message-failed" className="text-red-600 dark:text-red-400">
                Not sent{item.outgoing.error ? `: ${item.outgoing.error.message}` : ''}
              </span>
              <button
                type="button"
                data-testid="retry"
                onClick={() => onRetry(item.outgoing.clientMessageId)}
                className="font-semibold text-indigo-700 underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-300"
              >
                Retry
              </button>
              <button
                type="button"
                data-testid="discard"
                onClick={() => onDiscard(item.outgoing.clientMessageId)}
                className="text-slate-600 underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-300"
              >
                Discard
              </button>
            </>
          )}
        </div>
      )}
      {receipt && <ReceiptLabel receipt={receipt} />}
      {deleting && message && handlers && (
        <DeleteMessageDialog message={message} mine={mine} onDelete={() => handlers.onDelete(message.id)} onClose={() => setDeleting(false)} />
      )}
    </li>
  );
}

/** "Seen" (direct) or "Read by N" (room; who, in its title) under one of my messages. */
function ReceiptLabel({ receipt }: { receipt: Receipt }) {
  const label = receiptLabel(receipt);
  return (
    <span
      data-testid={receipt.kind === 'seen' ? 'seen-receipt' : 'read-by-receipt'}
      data-count={receipt.kind === 'readBy' ? receipt.count : undefined}
      title={receipt.kind === 'readBy' ? `Read by ${receipt.names.join(', ')}` : undefined}
      className="px-2 text-[11px] text-slate-500 dark:text-slate-400"
    >
      {label}
    </span>
  );
}
