import { useEffect, useRef, useState, type ClipboardEvent, type DragEvent, type FormEvent, type KeyboardEvent } from 'react';
import { MediaError } from '../media/upload';
import { ATTACHMENT_ACCEPT, checkMediaFile, formatBytes, isImageType, mediaTypeOf } from '../media/mediaRules';
import { checkText, TEXT_MAX_CHARS } from '../protocol/chatRules';
import type { Attachment, ReplyQuote } from '../protocol/frames';
import { EmojiPicker, type PickerDismissal } from './EmojiPicker';
import { quoteText } from './MessageActions';
import { FileIcon, PaperclipIcon, SmileyIcon } from './icons';
import { useCoarsePointer } from './useCoarsePointer';

export interface ComposerProps {
  to: string;
  /** Sends the text (and the uploaded file); true when it was accepted (queued or sent), which clears the box. */
  onSend(text: string, attachment?: Attachment): boolean;
  /** Uploads a file for this conversation; without it there is no attach button. */
  onUpload?(file: File, signal: AbortSignal): Promise<Attachment>;
  /** The text, when the parent keeps it: drafts survive switching conversations (and, stored by the app, a reload). */
  draft?: string;
  onDraftChange?(text: string): void;
  /**
   * The picked file survives switching conversations too (its upload goes on meanwhile) when
   * held by the parent; otherwise leaving the conversation cancels it.
   */
  pendingFile?: PendingFile | null;
  onPendingFileChange?(change: (file: PendingFile | null) => PendingFile | null): void;
  /** The message the next one answers: shown above the text box, with a button to cancel it. */
  reply?: ReplyQuote | null;
  onCancelReply?(): void;
  /** The text changed by typing (the session sends `typing`, throttled). */
  onTyping?(text: string): void;
}

/** The file picked for the next message: uploading, uploaded (ready) or refused. */
export interface PendingFile {
  id: number;
  file: File;
  name: string;
  size: number;
  contentType: string;
  status: 'uploading' | 'ready' | 'failed';
  attachment?: Attachment;
  error?: string;
  /** A rule refused it: trying again cannot help. */
  refused?: boolean;
  controller: AbortController;
}

let pendingSeq = 0;

/** The counter shows from here on (and always over the limit): below, it is noise. */
export const COUNTER_FROM = TEXT_MAX_CHARS - 500;

const PROBLEMS = {
  text_too_long: `Messages can be at most ${TEXT_MAX_CHARS} characters.`,
  invalid_text: 'The message contains a control character that cannot be sent.',
} as const;

export function Composer({ to, onSend, onUpload, draft, onDraftChange, pendingFile, onPendingFileChange, reply, onCancelReply, onTyping }: ComposerProps) {
  const [ownText, setOwnText] = useState('');
  const text = draft ?? ownText;
  const setText = (t: string) => (onDraftChange ? onDraftChange(t) : setOwnText(t));
  const [emojiOpen, setEmojiOpen] = useState(false);
  const [ownPending, setOwnPending] = useState<PendingFile | null>(null);
  const held = onPendingFileChange !== undefined;
  const pending = held ? (pendingFile ?? null) : ownPending;
  const setPending = (change: PendingFile | null | ((file: PendingFile | null) => PendingFile | null)) => {
    const next = typeof change === 'function' ? change : () => change;
    if (onPendingFileChange) onPendingFileChange(next);
    else setOwnPending(next);
  };
  const [dragging, setDragging] = useState(false);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const emojiButtonRef = useRef<HTMLButtonElement>(null);
  const touch = useCoarsePointer();
  const fileRef = useRef<HTMLInputElement>(null);
  const pendingRef = useRef<PendingFile | null>(null);
  pendingRef.current = pending;
  const { chars, problem } = checkText(text);
  // With an uploaded file the text may be empty; while it uploads (or after it failed) nothing is sent.
  const canSend = pending ? pending.status === 'ready' && (problem === null || problem === 'empty_text') : problem === null;
  const showCounter = chars >= COUNTER_FROM;
  const nearLimit = chars > TEXT_MAX_CHARS - 200;

  // Leaving the conversation cancels an upload in flight, unless the parent holds it for later.
  useEffect(() => () => {
    if (!held) pendingRef.current?.controller.abort();
  }, [held]);

  const update = (id: number, change: Partial<PendingFile>) =>
    setPending((p) => (p && p.id === id ? { ...p, ...change } : p));

  const upload = (file: File) => {
    if (!onUpload) return;
    pendingRef.current?.controller.abort();
    const base = {
      id: ++pendingSeq,
      file,
      name: file.name,
      size: file.size,
      contentType: mediaTypeOf(file),
      controller: new AbortController(),
    };
    const problem = checkMediaFile('attachment', file);
    if (problem) {
      setPending({ ...base, status: 'failed', error: problem.message, refused: true });
      return;
    }
    setPending({ ...base, status: 'uploading' });
    onUpload(file, base.controller.signal).then(
      (attachment) => update(base.id, { status: 'ready', attachment }),
      (error: unknown) => {
        if (base.controller.signal.aborted) return;
        const message = error instanceof MediaError ? error.message : 'The upload failed. Try again.';
        const refused = error instanceof MediaError && ['unsupported_media_type', 'file_too_large', 'invalid_size', 'invalid_file_name'].includes(error.code);
        update(base.id, { status: 'failed', error: message, refused });
      },
    );
  };

  const removePending = () => {
    pending?.controller.abort();
    setPending(null);
    inputRef.current?.focus();
  };

  const send = () => {
    if (!canSend) return;
    const attachment = pending?.status === 'ready' ? pending.attachment : undefined;
    if (attachment ? onSend(text, attachment) : onSend(text)) {
      setText('');
      setPending(null);
    }
    inputRef.current?.focus();
  };

  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const file = onUpload ? e.clipboardData?.files?.[0] : undefined;
    if (!file) return;
    e.preventDefault();
    upload(file);
  };

  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
  const onDragOver = (e: DragEvent<HTMLFormElement>) => {
    if (!onUpload || !hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };
  const onDrop = (e: DragEvent<HTMLFormElement>) => {
    setDragging(false);
    const file = onUpload ? e.dataTransfer?.files?.[0] : undefined;
    if (!file) return;
    e.preventDefault();
    upload(file);
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    send();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Escape' && reply && onCancelReply) {
      e.preventDefault();
      onCancelReply();
      return;
    }
    // Enter sends, Shift+Enter is a new line; never while an IME is composing. On a touch screen
    // Enter is a new line (its keyboard has no Shift+Enter) and the Send button sends.
    if (e.key === 'Enter' && !e.shiftKey && !touch && !e.nativeEvent.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      send();
    }
  };

  const insertEmoji = (emoji: string) => {
    const el = inputRef.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    const next = text.slice(0, start) + emoji + text.slice(end);
    setText(next);
    setEmojiOpen(false);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + emoji.length, start + emoji.length);
    });
  };

  const closeEmoji = (how: PickerDismissal) => {
    setEmojiOpen(false);
    if (how === 'escape') emojiButtonRef.current?.focus();
  };

  const problemText = problem === 'text_too_long' || problem === 'invalid_text' ? PROBLEMS[problem] : null;

  return (
    <form
      aria-label={`Write to ${to}`}
      data-testid="composer"
      onSubmit={onSubmit}
      onDragOver={onDragOver}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      data-dragging={dragging || undefined}
      className={`border-t border-slate-200 bg-white p-2 sm:p-3 dark:border-slate-800 dark:bg-slate-900 ${
        dragging ? 'ring-2 ring-indigo-500 ring-inset' : ''
      }`}
    >
      {reply && (
        <div
          role="group"
          aria-label={`Replying to ${reply.from ?? 'a message'}`}
          data-testid="reply-bar"
          className="mb-2 flex items-center gap-2 rounded-xl border-l-4 border-indigo-500 bg-slate-50 py-1.5 pr-1 pl-3 text-sm dark:bg-slate-800"
        >
          <div className="min-w-0 flex-1">
            <p className="text-xs font-semibold text-indigo-700 dark:text-indigo-300">Replying to {reply.from ?? 'a message'}</p>
            <p data-testid="reply-bar-text" className="truncate text-slate-600 dark:text-slate-300">
              {quoteText(reply)}
            </p>
          </div>
          <button
            type="button"
            aria-label="Cancel reply"
            data-testid="cancel-reply"
            onClick={() => {
              onCancelReply?.();
              inputRef.current?.focus();
            }}
            className="shrink-0 rounded-full px-2 py-1 text-lg leading-none text-slate-600 hover:bg-slate-200 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-300 dark:hover:bg-slate-700"
          >
            <span aria-hidden="true">×</span>
          </button>
        </div>
      )}
      {pending && <PendingAttachment pending={pending} onRemove={removePending} onRetry={() => upload(pending.file)} />}
      <div className="relative flex items-end gap-2">
        <button
          ref={emojiButtonRef}
          type="button"
          aria-label="Insert emoji"
          title="Insert emoji"
          data-testid="emoji-button"
          aria-expanded={emojiOpen}
          aria-haspopup="dialog"
          onClick={() => setEmojiOpen((o) => !o)}
          className="shrink-0 rounded-full p-2 text-slate-600 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-300 dark:hover:bg-slate-800"
        >
          <SmileyIcon className="h-7 w-7" />
        </button>
        {onUpload && (
          <>
            <button
              type="button"
              aria-label="Attach a file"
              title="Attach a file (or paste or drop one)"
              data-testid="attach"
              onClick={() => fileRef.current?.click()}
              className="shrink-0 rounded-full p-2 text-slate-600 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-300 dark:hover:bg-slate-800"
            >
              <PaperclipIcon className="h-7 w-7" />
            </button>
            <input
              ref={fileRef}
              type="file"
              hidden
              accept={ATTACHMENT_ACCEPT}
              data-testid="attach-input"
              aria-label="Attach a file"
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file) upload(file);
              }}
            />
          </>
        )}
        {emojiOpen && <EmojiPicker onPick={insertEmoji} onDismiss={closeEmoji} toggleRef={emojiButtonRef} />}
        <label htmlFor="composer-input" className="sr-only">
          Message
        </label>
        <textarea
          id="composer-input"
          ref={inputRef}
          data-testid="composer-input"
          rows={1}
          value={text}
          placeholder={`Message ${to}`}
          // Opening a conversation puts the cursor here, ready to type (not on touch screens: the keyboard would cover it).
          autoFocus={!touch}
          aria-describedby={showCounter ? 'composer-counter' : undefined}
          aria-invalid={problemText ? true : undefined}
          onChange={(e) => {
            setText(e.target.value);
            onTyping?.(e.target.value);
          }}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          className="max-h-40 min-h-10 flex-1 resize-none [field-sizing:content] rounded-2xl border border-slate-300 bg-white px-3 py-2 text-base outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/30 dark:border-slate-700 dark:bg-slate-950"
        />
        <button
          type="submit"
          data-testid="send"
          disabled={!canSend}
          title={pending?.status === 'uploading' ? 'Wait for the upload to finish' : undefined}
          className="shrink-0 rounded-full bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-40"
        >
          Send
        </button>
      </div>
      {(problemText || showCounter) && (
        <div className="mt-1 flex justify-between gap-2 px-2 text-xs">
          <span className="text-red-600 dark:text-red-400" role={problemText ? 'alert' : undefined}>
            {problemText}
          </span>
          {showCounter && (
            <span
              id="composer-counter"
              data-testid="char-counter"
              aria-label={`${chars} of ${TEXT_MAX_CHARS} characters`}
              className={`tabular-nums ${
                problem === 'text_too_long'
                  ? 'font-semibold text-red-600 dark:text-red-400'
                  : nearLimit
                    ? 'text-amber-600 dark:text-amber-400'
                    : 'text-slate-500 dark:text-slate-400'
              }`}
            >
              {chars}/{TEXT_MAX_CHARS}
            </span>
          )}
        </div>
      )}
    </form>
  );
}

function PendingAttachment({ pending, onRemove, onRetry }: { pending: PendingFile; onRemove(): void; onRetry(): void }) {
  const image = isImageType(pending.contentType);
  const [preview, setPreview] = useState<string | null>(null);
  useEffect(() => {
    if (!image || typeof URL.createObjectURL !== 'function') return;
    const url = URL.createObjectURL(pending.file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [image, pending.file]);
  const failed = pending.status === 'failed';
  return (
    <div
      data-testid="pending-attachment"
      data-status={pending.status}
      className={`mb-2 flex items-center gap-3 rounded-xl border px-3 py-2 text-sm ${
        failed ? 'border-red-300 bg-red-50 dark:border-red-800 dark:bg-red-950' : 'border-slate-200 bg-slate-50 dark:border-slate-700 dark:bg-slate-800'
      }`}
    >
      {preview ? (
        <img src={preview} alt="" className="h-10 w-10 shrink-0 rounded-lg object-cover" />
      ) : (
        <FileIcon contentType={pending.contentType} className="h-10 w-8 text-slate-500 dark:text-slate-400" />
      )}
      <div className="min-w-0 flex-1">
        <p className="flex gap-2">
          <span data-testid="pending-attachment-name" className="truncate font-medium">
            {pending.name}
          </span>
          <span className="shrink-0 text-slate-500 dark:text-slate-400">{formatBytes(pending.size)}</span>
        </p>
        {pending.status === 'uploading' && (
          <div className="mt-1 flex items-center gap-2">
            <progress aria-label={`Uploading ${pending.name}`} className="h-1.5 w-full max-w-48 accent-indigo-600" />
            <span role="status" className="shrink-0 text-xs text-slate-500 dark:text-slate-400">
              Uploading…
            </span>
          </div>
        )}
        {pending.status === 'ready' && (
          <span role="status" data-testid="pending-attachment-ready" className="text-xs text-emerald-700 dark:text-emerald-400">
            Ready to send
          </span>
        )}
        {failed && (
          <p role="alert" data-testid="pending-attachment-error" className="text-xs text-red-700 dark:text-red-300">
            {pending.error}
          </p>
        )}
      </div>
      {failed && !pending.refused && (
        <button
          type="button"
          onClick={onRetry}
          className="shrink-0 rounded-lg px-2 py-1 text-xs font-semibold text-indigo-700 underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-300"
        >
          Try again
        </button>
      )}
      <button
        type="button"
        data-testid="remove-attachment"
        aria-label={pending.status === 'uploading' ? `Cancel upload of ${pending.name}` : `Remove ${pending.name}`}
        onClick={onRemove}
        className="shrink-0 rounded-full px-2 py-1 text-lg leading-none text-slate-600 hover:bg-slate-200 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-300 dark:hover:bg-slate-700"
      >
        <span aria-hidden="true">×</span>
      </button>
    </div>
  );
}
