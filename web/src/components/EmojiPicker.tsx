import { useEffect, useRef } from 'react';

export const EMOJI = ['😀', '😂', '😊', '😍', '😎', '🤔', '😢', '😡', '👍', '👎', '👏', '🙏', '🎉', '❤️', '🔥', '✅', '👀', '🚀', '☕', '🍕', '🌟', '💯', '🙈', '🤝'];

export function EmojiPicker({ onPick, onClose }: { onPick(emoji: string): void; onClose(): void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>('button')?.focus();
  }, []);
  return (
    <div
      ref={ref}
      role="dialog"
      aria-label="Emoji"
      data-testid="emoji-picker"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          onClose();
        }
      }}
      className="absolute bottom-full left-0 z-20 mb-2 grid w-72 grid-cols-8 gap-1 rounded-xl border border-slate-200 bg-white p-2 shadow-lg dark:border-slate-700 dark:bg-slate-900"
    >
      {EMOJI.map((emoji) => (
        <button
          key={emoji}
          type="button"
          aria-label={`Insert ${emoji}`}
          onClick={() => onPick(emoji)}
          className="rounded-md p-1 text-xl hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-slate-800"
        >
          {emoji}
        </button>
      ))}
    </div>
  );
}
