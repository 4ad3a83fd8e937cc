import { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { groupTimeline, type TimelineItem } from '../lib/grouping';
import { dayLabel, fullDateTime, timeLabel } from '../lib/time';
import { sameUser } from '../protocol/chatRules';
import { AttachmentView } from './Attachment';
import { Avatar } from './Avatar';
import { MessageText } from './MessageText';

export interface MessageListProps {
  conversationId: string;
  withName: string;
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
}

/** Distance from the bottom (px) still counted as "at the bottom". */
const BOTTOM_SLACK = 48;
/** Distance from the top (px) at which the next older page is requested. */
const TOP_THRESHOLD = 160;

export function MessageList(props: MessageListProps) {
  const { conversationId, withName, me, items, nextCursor, loadingNewest, loadingOlder, now, onLoadOlder } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const previous = useRef<{ conversationId: string; first?: string; last?: string; height: number } | null>(null);
  const [showNewMessages, setShowNewMessages] = useState(false);
  const hasMore = typeof nextCursor === 'string';
  const days = useMemo(() => groupTimeline(items, me), [items, me]);

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

  // Keep the reader's place: older pages keep the scroll position; new messages follow only
  // a reader already at the bottom (or one who just sent); otherwise a "new messages" button.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const first = items[0]?.key;
    const last = items[items.length - 1]?.key;
    const prev = previous.current;
    if (!prev || prev.conversationId !== conversationId) {
      el.scrollTop = el.scrollHeight;
      atBottom.current = true;
      setShowNewMessages(false);
    } else if (first !== prev.first && last === prev.last) {
      el.scrollTop += el.scrollHeight - prev.height;
    } else if (last !== prev.last) {
      const newest = items[items.length - 1];
      if (atBottom.current || newest?.kind === 'outgoing') {
        el.scrollTop = el.scrollHeight;
        atBottom.current = true;
        setShowNewMessages(false);
      } else if (newest && !sameUser(newest.from, me)) {
        setShowNewMessages(true);
      }
    }
    previous.current = { conversationId, first, last, height: el.scrollHeight };
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

  // A page that does not fill the view cannot be scrolled: fetch further back until it does.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (el && hasMore && !loadingOlder && items.length > 0 && el.scrollHeight <= el.clientHeight + 1 && el.clientHeight > 0) {
      onLoadOlder();
    }
  }, [items, hasMore, loadingOlder, onLoadOlder]);

  return (
    <div className="relative min-h-0 flex-1">
      <div
        ref={scrollRef}
        role="log"
        aria-label={`Messages with ${withName}`}
        aria-busy={loadingOlder || loadingNewest || undefined}
        data-testid="message-log"
        tabIndex={0}
        onScroll={onScroll}
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
              This is the beginning of your conversation with {withName}.
            </p>
          ) : loadingNewest ? (
            <p role="status" className="text-xs text-slate-500 dark:text-slate-400">
              Loading messages…
            </p>
          ) : null}
        </div>
        {days.map((day) => (
          <section key={day.day} aria-label={dayLabel(day.at, now)}>
            <h3 data-testid="day-separator" className="sticky top-0 z-10 my-2 flex justify-center">
              <span className="rounded-full bg-slate-100/90 px-3 py-0.5 text-xs font-medium text-slate-600 backdrop-blur dark:bg-slate-800/90 dark:text-slate-300">
                {dayLabel(day.at, now)}
              </span>
            </h3>
            {day.groups.map((group) => (
              <div
                key={group.key}
                data-testid="message-group"
                className={`my-2 flex items-end gap-2 ${group.mine ? 'flex-row-reverse' : ''}`}
              >
                {!group.mine && <Avatar name={group.from} size="sm" avatarKey={props.avatarKeyOf?.(group.from)} />}
                <ol
                  aria-label={group.mine ? 'You' : group.from}
                  className={`flex min-w-0 max-w-[85%] flex-col gap-0.5 sm:max-w-[70%] ${group.mine ? 'items-end' : 'items-start'}`}
                >
                  {!group.mine && (
                    <li aria-hidden="true" className="px-3 text-xs font-medium text-slate-500 dark:text-slate-400">
                      {group.from}
                    </li>
                  )}
                  {group.items.map((item) => (
                    <MessageBubble key={item.key} item={item} mine={group.mine} onRetry={props.onRetry} onDiscard={props.onDiscard} />
                  ))}
                </ol>
              </div>
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

function MessageBubble({
  item,
  mine,
  onRetry,
  onDiscard,
}: {
  item: TimelineItem;
  mine: boolean;
  onRetry(id: string): void;
  onDiscard(id: string): void;
}) {
  const text = item.kind === 'message' ? item.message.text : item.outgoing.text;
  const attachment = item.kind === 'message' ? item.message.attachment : item.outgoing.attachment;
  const status = item.kind === 'message' ? 'sent' : item.outgoing.status;
  const bubble = mine
    ? status === 'failed'
      ? 'bg-red-50 text-red-900 ring-1 ring-red-300 dark:bg-red-950 dark:text-red-100 dark:ring-red-800'
      : 'bg-indigo-600 text-white'
    : 'bg-slate-100 text-slate-900 dark:bg-slate-800 dark:text-slate-100';
  return (
    <li
      data-testid="message"
      data-status={status}
      data-message-id={item.kind === 'message' ? item.message.id : undefined}
      data-client-message-id={item.kind === 'message' ? item.message.clientMessageId : item.outgoing.clientMessageId}
      data-from={item.from}
      className={`flex flex-col ${mine ? 'items-end' : 'items-start'}`}
    >
      {attachment && (
        <div className={`max-w-full ${status === 'pending' ? 'opacity-70' : ''} ${text ? 'mb-0.5' : ''}`}>
          <AttachmentView attachment={attachment} mine={mine} />
        </div>
      )}
      {(text || !attachment) && (
        <div className={`max-w-full rounded-2xl px-3 py-1.5 ${bubble} ${status === 'pending' ? 'opacity-70' : ''}`}>
          <MessageText text={text} />
        </div>
      )}
      <div className="flex items-center gap-2 px-2 text-[11px] text-slate-500 dark:text-slate-400">
        <time dateTime={new Date(item.at).toISOString()} title={fullDateTime(item.at)}>
          {timeLabel(item.at)}
        </time>
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
    </li>
  );
}
