// What can be done to a message after it is sent (#15): its actions (react, reply, edit, delete),
// edit in place, the delete confirmation, the reactions bar and the reply quote.
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import { fullDateTime } from '../lib/time';
import { checkText, TEXT_MAX_CHARS } from '../protocol/chatRules';
import type { ChatMessage, ReactionView, ReplyQuote } from '../protocol/frames';
import { QUICK_REACTIONS, type MessagePermissions } from '../state/lifecycle';
import { EmojiPicker } from './EmojiPicker';
import { DotsIcon, PencilIcon, PlusIcon, ReplyIcon, SmileyIcon, TrashIcon } from './icons';
import { ConfirmDialog } from './Modal';
import { useCoarsePointer } from './useCoarsePointer';

/** What the message list lets a confirmed message do (absent: a read-only list). */
export interface MessageHandlers {
  /** The signed-in user. */
  me: string;
  /** May I delete messages of others here (an owner or admin of the room)? */
  moderator: boolean;
  onReact(messageId: string, emoji: string, reacted: boolean): void;
  onReply(message: ChatMessage): void;
  /** Resolves when the server took the edit; rejects with a message for people. */
  onEdit(messageId: string, text: string): Promise<void>;
  onDelete(messageId: string): Promise<void>;
}


/**
 * Emoji in colour: without it, a text font that has a black-and-white glyph for some of them
 * (DejaVu on Linux: 😂 😮 😢) is chosen before the emoji font.
 */
const emojiFont = "[font-family:'Noto_Color_Emoji','Apple_Color_Emoji','Segoe_UI_Emoji',sans-serif]";

const toolButton =
  'rounded-full p-1.5 text-slate-600 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-300 dark:hover:bg-slate-700';
const touchButton =
  'rounded-full p-2.5 text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-200 dark:hover:bg-slate-700';

/**
 * The actions of one message. With a mouse: a small toolbar just above the message, shown while
 * the message is hovered or has the focus. On a touch screen: a "⋯" button beside the
 * bubble opens it under the bubble.
 */
export function MessageActions({
  message,
  mine,
  allowed,
  handlers,
  onEdit,
  onDelete,
  open,
  onOpenChange,
  toggleRef,
}: {
  message: ChatMessage;
  mine: boolean;
  allowed: MessagePermissions;
  handlers: MessageHandlers;
  onEdit(): void;
  onDelete(): void;
  /** Touch screens: the actions are open (the "⋯" button beside the bubble, see ActionsToggle, opens them). */
  open: boolean;
  onOpenChange(open: boolean): void;
  toggleRef: RefObject<HTMLButtonElement | null>;
}) {
  const coarse = useCoarsePointer();
  const [mode, setMode] = useState<'actions' | 'react'>('actions');
  const [pickerOpen, setPickerOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const moreRef = useRef<HTMLButtonElement>(null);
  const reacted = (emoji: string) => message.reactions?.some((r) => r.emoji === emoji && r.reacted) ?? false;

  const close = () => {
    onOpenChange(false);
    setMode('actions');
  };

  // A press elsewhere closes the menu (touch) or the quick reactions.
  const active = open || mode === 'react';
  useEffect(() => {
    if (!active || pickerOpen) return;
    const onPointerDown = (e: PointerEvent) => {
      if (!e.composedPath().some((n) => n === rootRef.current || n === toggleRef.current)) close();
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
    // Subscribed while active; `close` only sets state (a stale one does the same).
  }, [active, pickerOpen]); // eslint-disable-line react-hooks/exhaustive-deps

  if (!allowed.react && !allowed.reply && !allowed.edit && !allowed.delete) return null;

  const react = (emoji: string) => {
    handlers.onReact(message.id, emoji, !reacted(emoji));
    setPickerOpen(false);
    close();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || pickerOpen) return;
    e.stopPropagation();
    if (mode === 'react') setMode('actions');
    else if (coarse) {
      close();
      toggleRef.current?.focus();
    } else (document.activeElement as HTMLElement | null)?.blur();
  };

  const button = coarse ? touchButton : toolButton;
  const icon = coarse ? 'h-6 w-6' : 'h-5 w-5';
  const content =
    mode === 'react' ? (
      <>
        {QUICK_REACTIONS.map((emoji) => (
          <button
            key={emoji}
            type="button"
            aria-label={`React with ${emoji}`}
            aria-pressed={reacted(emoji)}
            title={reacted(emoji) ? `Take back ${emoji}` : `React with ${emoji}`}
            onClick={() => react(emoji)}
            className={`rounded-full py-0.5 ${emojiFont} ${coarse ? 'px-1 text-2xl' : 'px-1.5 text-lg'} leading-none hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 aria-pressed:bg-indigo-100 dark:hover:bg-slate-700 dark:aria-pressed:bg-indigo-900`}
          >
            {emoji}
          </button>
        ))}
        <button
          ref={moreRef}
          type="button"
          aria-label="More reactions"
          title="More reactions"
          aria-haspopup="dialog"
          aria-expanded={pickerOpen}
          onClick={() => setPickerOpen((o) => !o)}
          className={button}
        >
          <PlusIcon className={icon} />
        </button>
      </>
    ) : (
      <>
        {allowed.react && (
          <button type="button" aria-label="React" title="React" onClick={() => setMode('react')} className={button}>
            <SmileyIcon className={icon} />
          </button>
        )}
        {allowed.reply && (
          <button
            type="button"
            aria-label="Reply"
            title="Reply"
            onClick={() => {
              close();
              handlers.onReply(message);
            }}
            className={button}
          >
            <ReplyIcon className={icon} />
          </button>
        )}
        {allowed.edit && (
          <button
            type="button"
            aria-label="Edit"
            title="Edit"
            onClick={() => {
              close();
              onEdit();
            }}
            className={button}
          >
            <PencilIcon className={icon} />
          </button>
        )}
        {allowed.delete && (
          <button
            type="button"
            aria-label="Delete"
            title={mine ? 'Delete' : 'Delete (as a moderator of this room)'}
            onClick={() => {
              close();
              onDelete();
            }}
            className={`${button} hover:text-red-600 dark:hover:text-red-400`}
          >
            <TrashIcon className={icon} />
          </button>
        )}
      </>
    );

  const toolbar = (
    <div
      ref={rootRef}
      role="toolbar"
      aria-label="Message actions"
      data-testid="message-actions"
      data-mode={mode}
      onKeyDown={onKeyDown}
      className={
        coarse
          ? `mt-1 flex w-max max-w-[calc(100vw-4rem)] flex-wrap items-center gap-1 rounded-2xl border border-slate-200 bg-white p-1 shadow-md dark:border-slate-700 dark:bg-slate-800`
          : // Just above the message, at its inner corner (toward the middle of the log, so it never
            // leaves it), never over the message itself; hidden, it takes no clicks.
            `absolute bottom-full z-10 -mb-1 flex items-center gap-0.5 rounded-full border border-slate-200 bg-white px-1 py-0.5 shadow-md transition-opacity dark:border-slate-700 dark:bg-slate-800 ${
              mine ? 'right-1' : 'left-1'
            } ${
              mode === 'react' || pickerOpen
                ? 'opacity-100'
                : 'pointer-events-none opacity-0 group-hover/message:pointer-events-auto group-hover/message:opacity-100 focus-within:pointer-events-auto focus-within:opacity-100'
            }`
      }
    >
      {content}
      {pickerOpen && (
        <EmojiPicker
          onPick={react}
          onDismiss={(how) => {
            setPickerOpen(false);
            if (how === 'escape') moreRef.current?.focus();
          }}
          toggleRef={moreRef}
          // Fixed in the middle of the window: inside the log it would be cut off at its edges.
          className="fixed left-1/2 top-1/2 z-30 -translate-x-1/2 -translate-y-1/2"
        />
      )}
    </div>
  );

  if (!coarse || open) return toolbar;
  return null;
}

/** Touch screens: the "⋯" button beside a bubble that opens its actions. */
export function ActionsToggle({ open, onToggle, toggleRef }: { open: boolean; onToggle(): void; toggleRef: RefObject<HTMLButtonElement | null> }) {
  return (
    <button
      ref={toggleRef}
      type="button"
      aria-label="Show message actions"
      aria-expanded={open}
      data-testid="message-actions-toggle"
      onClick={onToggle}
      className="shrink-0 rounded-full p-1.5 text-slate-400 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 aria-expanded:bg-slate-100 aria-expanded:text-slate-700 dark:text-slate-500 dark:hover:bg-slate-800 dark:aria-expanded:bg-slate-800 dark:aria-expanded:text-slate-200"
    >
      <DotsIcon />
    </button>
  );
}

/** The bubble as a text box: Enter saves, Escape cancels, Shift+Enter is a new line (on touch screens Enter is a new line). */
export function EditBox({
  message,
  mine,
  onSave,
  onDone,
}: {
  message: ChatMessage;
  mine: boolean;
  onSave(text: string): Promise<void>;
  onDone(): void;
}) {
  const coarse = useCoarsePointer();
  const [text, setText] = useState(message.text);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  const { problem } = checkText(text);
  const emptyAllowed = message.attachment !== undefined;
  const refused = problem !== null && !(problem === 'empty_text' && emptyAllowed);
  const reason =
    problem === 'empty_text' && !emptyAllowed
      ? 'A message cannot be empty: delete it instead.'
      : problem === 'text_too_long'
        ? `Messages can be at most ${TEXT_MAX_CHARS} characters.`
        : problem === 'invalid_text'
          ? 'The message contains a control character that cannot be sent.'
          : null;

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);

  const save = async () => {
    if (refused || saving) return;
    if (text.trim() === message.text.trim()) {
      onDone();
      return;
    }
    setSaving(true);
    setError(null);
    try {
      await onSave(text);
      onDone();
    } catch (e) {
      setError(e instanceof Error ? e.message : 'The message could not be saved; try again.');
      setSaving(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onDone();
    } else if (e.key === 'Enter' && !e.shiftKey && !coarse && !e.nativeEvent.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      void save();
    }
  };

  return (
    <div data-testid="message-edit" className={`flex w-[min(32rem,100%)] max-w-full flex-col gap-1 ${mine ? 'items-end' : 'items-start'}`}>
      <textarea
        ref={ref}
        aria-label="Edit message"
        data-testid="message-edit-input"
        value={text}
        rows={1}
        disabled={saving}
        aria-invalid={reason ? true : undefined}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        className="max-h-60 min-h-10 w-full resize-none [field-sizing:content] rounded-2xl border border-indigo-400 bg-white px-3 py-1.5 text-base text-slate-900 outline-none focus:ring-2 focus:ring-indigo-500/30 dark:border-indigo-500 dark:bg-slate-950 dark:text-slate-100"
      />
      <div className="flex flex-wrap items-center gap-2 px-1 text-xs">
        {(reason || error) && (
          <span role="alert" data-testid="message-edit-error" className="text-red-600 dark:text-red-400">
            {reason ?? error}
          </span>
        )}
        {!coarse && !reason && !error && <span className="text-slate-500 dark:text-slate-400">Enter to save · Esc to cancel</span>}
        <button
          type="button"
          onClick={onDone}
          className="rounded-lg px-2 py-1 font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-200 dark:hover:bg-slate-800"
        >
          Cancel
        </button>
        <button
          type="button"
          data-testid="message-edit-save"
          disabled={refused || saving}
          onClick={() => void save()}
          className="rounded-lg bg-indigo-600 px-2 py-1 font-semibold text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-50"
        >
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
    </div>
  );
}

/** "Delete this message?" — for everyone; its file goes too. */
export function DeleteMessageDialog({ message, mine, onDelete, onClose }: { message: ChatMessage; mine: boolean; onDelete(): Promise<void>; onClose(): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onDelete();
      onClose();
    } catch (e) {
      setError(e instanceof Error ? e.message : 'The message could not be deleted; try again.');
      setBusy(false);
    }
  };
  return (
    <ConfirmDialog
      title="Delete this message?"
      testId="delete-message-dialog"
      confirmLabel={busy ? 'Deleting…' : 'Delete'}
      danger
      busy={busy}
      error={error}
      onConfirm={() => void confirm()}
      onClose={onClose}
    >
      <p>
        {mine ? 'It' : `${message.from}’s message`} will show as “Message deleted” for everyone in this conversation
        {message.attachment ? ', and its file is deleted' : ''}.
      </p>
    </ConfirmDialog>
  );
}

/** The reactions under a message: one chip per emoji with its count, pressed when I reacted; a click toggles mine. */
export function ReactionsBar({
  reactions,
  mine,
  onToggle,
}: {
  reactions: readonly ReactionView[];
  mine: boolean;
  onToggle?(emoji: string, reacted: boolean): void;
}) {
  return (
    <div role="group" aria-label="Reactions" data-testid="reactions" className={`mt-1 flex flex-wrap gap-1 ${mine ? 'justify-end' : 'justify-start'}`}>
      {reactions.map((r) => (
        <button
          key={r.emoji}
          type="button"
          data-testid="reaction"
          data-emoji={r.emoji}
          data-count={r.count}
          aria-pressed={r.reacted}
          disabled={!onToggle}
          title={`${r.count} ${r.count === 1 ? 'reaction' : 'reactions'} with ${r.emoji}${r.reacted ? ' (yours among them: click to take it back)' : ''}`}
          onClick={() => onToggle?.(r.emoji, !r.reacted)}
          className={`flex items-center gap-1 rounded-full px-2 py-0.5 text-sm ring-1 focus-visible:outline-2 focus-visible:outline-indigo-500 ${
            r.reacted
              ? 'bg-indigo-50 text-indigo-800 ring-indigo-400 hover:bg-indigo-100 dark:bg-indigo-950 dark:text-indigo-200 dark:ring-indigo-500 dark:hover:bg-indigo-900'
              : 'bg-white text-slate-700 ring-slate-200 hover:bg-slate-50 dark:bg-slate-900 dark:text-slate-200 dark:ring-slate-700 dark:hover:bg-slate-800'
          }`}
        >
          <span className={`leading-none ${emojiFont}`}>{r.emoji}</span>
          <span className="text-xs font-semibold tabular-nums">{r.count}</span>
        </button>
      ))}
    </div>
  );
}

/** What a quote says: its text, else its file, else (deleted) "Message deleted". */
export function quoteText(quote: ReplyQuote): string {
  if (quote.deleted) return 'Message deleted';
  return quote.text || (quote.attachmentName ? `📎 ${quote.attachmentName}` : '');
}

/** The message a reply answers, above the reply's bubble; a click shows the original when it is loaded. */
export function QuoteBlock({ quote, mine, onShow }: { quote: ReplyQuote; mine: boolean; onShow(messageId: string): void }) {
  const author = quote.from ?? 'Unknown message';
  return (
    <button
      type="button"
      data-testid="message-quote"
      data-quoted-id={quote.messageId}
      data-deleted={quote.deleted ? 'true' : undefined}
      title="Show the original message"
      onClick={() => onShow(quote.messageId)}
      className={`mb-0.5 flex max-w-full min-w-0 flex-col rounded-xl border-l-4 border-indigo-400 bg-slate-50 px-2.5 py-1 text-left text-sm hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-indigo-500 dark:bg-slate-800/60 dark:hover:bg-slate-800 ${
        mine ? 'self-end' : 'self-start'
      }`}
    >
      <span className="text-xs font-semibold text-indigo-700 dark:text-indigo-300">{author}</span>
      <span data-testid="message-quote-text" className={`line-clamp-2 break-words ${quote.deleted ? 'italic text-slate-500 dark:text-slate-400' : 'text-slate-700 dark:text-slate-300'}`}>
        {quoteText(quote)}
      </span>
    </button>
  );
}

/** "edited", with the time of the edit as its tooltip. */
export function EditedMark({ editedAt }: { editedAt: number }) {
  return (
    <span data-testid="message-edited" title={`Edited ${fullDateTime(editedAt)}`} className="ml-auto shrink-0 text-[11px] italic opacity-75">
      edited
    </span>
  );
}

/** A deleted message's place in the conversation. */
export function Tombstone({ children = 'Message deleted' }: { children?: ReactNode }) {
  return (
    <div
      data-testid="message-deleted"
      className="rounded-2xl px-3 py-1.5 text-sm text-slate-500 italic ring-1 ring-slate-200 dark:text-slate-400 dark:ring-slate-700"
    >
      {children}
    </div>
  );
}
