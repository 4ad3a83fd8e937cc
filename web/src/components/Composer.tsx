import { useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { checkText, TEXT_MAX_CHARS } from '../protocol/rules';
import { EmojiPicker } from './EmojiPicker';

export interface ComposerProps {
  to: string;
  /** Sends the text; true when it was accepted (queued or sent), which clears the box. */
  onSend(text: string): boolean;
  /** Drafts survive switching conversations. */
  draft?: string;
  onDraftChange?(text: string): void;
}

const PROBLEMS = {
  text_too_long: `Messages can be at most ${TEXT_MAX_CHARS} characters.`,
  invalid_text: 'The message contains a control character that cannot be sent.',
} as const;

export function Composer({ to, onSend, draft, onDraftChange }: ComposerProps) {
  const [ownText, setOwnText] = useState('');
  const text = draft ?? ownText;
  const setText = (t: string) => (onDraftChange ? onDraftChange(t) : setOwnText(t));
  const [emojiOpen, setEmojiOpen] = useState(false);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const { chars, problem } = checkText(text);
  const canSend = problem === null;
  const nearLimit = chars > TEXT_MAX_CHARS - 200;

  const send = () => {
    if (!canSend) return;
    if (onSend(text)) setText('');
    inputRef.current?.focus();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    send();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter sends, Shift+Enter is a new line; never while an IME is composing.
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing && e.keyCode !== 229) {
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

  const problemText = problem === 'text_too_long' || problem === 'invalid_text' ? PROBLEMS[problem] : null;

  return (
    <form
      aria-label={`Write to ${to}`}
      data-testid="composer"
      onSubmit={onSubmit}
      className="border-t border-slate-200 bg-white p-2 sm:p-3 dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="relative flex items-end gap-2">
        <button
          type="button"
          aria-label="Insert emoji"
          aria-expanded={emojiOpen}
          aria-haspopup="dialog"
          onClick={() => setEmojiOpen((o) => !o)}
          className="shrink-0 rounded-full p-2 text-xl hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-slate-800"
        >
          <span aria-hidden="true">🙂</span>
        </button>
        {emojiOpen && <EmojiPicker onPick={insertEmoji} onClose={() => { setEmojiOpen(false); inputRef.current?.focus(); }} />}
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
          aria-describedby="composer-counter"
          aria-invalid={problemText ? true : undefined}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          className="max-h-40 min-h-10 flex-1 resize-none [field-sizing:content] rounded-2xl border border-slate-300 bg-white px-3 py-2 text-base outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/30 dark:border-slate-700 dark:bg-slate-950"
        />
        <button
          type="submit"
          data-testid="send"
          disabled={!canSend}
          className="shrink-0 rounded-full bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-40"
        >
          Send
        </button>
      </div>
      <div className="mt-1 flex justify-between gap-2 px-2 text-xs">
        <span className="text-red-600 dark:text-red-400" role={problemText ? 'alert' : undefined}>
          {problemText}
        </span>
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
      </div>
    </form>
  );
}
