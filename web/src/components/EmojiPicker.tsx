import { useEffect, useRef, useState, type RefObject } from 'react';
import { gridMove } from './emojiGrid';

/** How the picker was closed without a pick: Escape gives the focus back to its button, a press elsewhere leaves it there. */
export type PickerDismissal = 'escape' | 'outside';

export interface EmojiPickerProps {
  onPick(emoji: string): void;
  onDismiss(how: PickerDismissal): void;
  /** The button that opens and closes the picker: pressing it is not a press outside. */
  toggleRef: RefObject<HTMLElement | null>;
  /** Where it shows (default: above its button, in the composer). */
  className?: string;
}

type LoadStatus = 'loading' | 'ready' | 'failed';

export function EmojiPicker({ onPick, onDismiss, toggleRef, className = 'absolute bottom-full left-0 z-20 mb-2' }: EmojiPickerProps) {
  const dialogRef = useRef<HTMLDivElement>(null);
  const mountRef = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<LoadStatus>('loading');
  const handlers = useRef({ onPick, onDismiss });
  handlers.current = { onPick, onDismiss };

  useEffect(() => {
    let live = true;
    let picker: HTMLElement | undefined;
    const pick = (e: Event) => {
      const unicode = (e as CustomEvent<{ unicode?: string }>).detail?.unicode;
      if (unicode) handlers.current.onPick(unicode);
    };
    // Its own chunk, loaded on first use: the first paint does not pay for the picker.
    import('./emojiPickerElement').then(
      ({ createEmojiPicker }) => {
        if (!live || !mountRef.current) return;
        picker = createEmojiPicker();
        picker.addEventListener('emoji-click', pick);
        mountRef.current.appendChild(picker);
        setStatus('ready');
        picker.shadowRoot?.querySelector<HTMLElement>('input')?.focus();
      },
      () => live && setStatus('failed'),
    );
    return () => {
      live = false;
      picker?.removeEventListener('emoji-click', pick);
      picker?.remove();
    };
  }, []);

  useEffect(() => {
    const onPointerDown = (e: PointerEvent) => {
      const path = e.composedPath();
      if (!path.some((node) => node === dialogRef.current || node === toggleRef.current)) handlers.current.onDismiss('outside');
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [toggleRef]);

  // A native listener: the keys come from the picker's shadow DOM, which React's events do not always see through.
  useEffect(() => {
    const dialog = dialogRef.current;
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        // The picker keeps the Escapes it handles itself (closing its skin tone list).
        e.preventDefault();
        e.stopPropagation();
        handlers.current.onDismiss('escape');
        return;
      }
      const target = moveInGrid(mountRef.current?.querySelector('emoji-picker') ?? null, e.composedPath()[0], e.key);
      if (target) {
        e.preventDefault();
        target.focus();
      }
    };
    dialog?.addEventListener('keydown', onKeyDown);
    return () => dialog?.removeEventListener('keydown', onKeyDown);
  }, []);

  return (
    <div
      ref={dialogRef}
      role="dialog"
      aria-label="Emoji"
      data-testid="emoji-picker"
      data-status={status}
      className={`${className} w-[min(22rem,calc(100vw-1rem))] overflow-hidden rounded-xl border border-slate-200 bg-white shadow-lg dark:border-slate-700 dark:bg-slate-900`}
    >
      {status === 'loading' && (
        <p role="status" className="p-4 text-sm text-slate-500 dark:text-slate-400">
          Loading emoji…
        </p>
      )}
      {status === 'failed' && (
        <p role="alert" className="p-4 text-sm text-red-700 dark:text-red-300">
          The emoji could not be loaded. Check your connection and open the picker again.
        </p>
      )}
      <div ref={mountRef} />
    </div>
  );
}

/**
 * Where an arrow key moves the focus in the picker's emoji grid: between its emoji, and into it
 * from the empty search box or the grid itself. The picker handles the arrows of its search
 * results and category tabs.
 */
function moveInGrid(picker: HTMLElement | null, from: EventTarget | undefined, key: string): HTMLElement | null {
  const root = picker?.shadowRoot;
  if (!picker || !root || !(from instanceof HTMLElement)) return null;
  const emoji = Array.from(root.querySelectorAll<HTMLElement>('.tabpanel button.emoji'));
  const index = emoji.indexOf(from);
  if (index < 0) {
    const entering =
      (key === 'ArrowDown' && from instanceof HTMLInputElement && from.value.trim() === '') ||
      ((key === 'ArrowDown' || key === 'ArrowRight') && from.classList.contains('tabpanel'));
    return entering ? (emoji[0] ?? null) : null;
  }
  const columns = Number.parseInt(getComputedStyle(picker).getPropertyValue('--num-columns'), 10) || 8;
  const next = gridMove(key, index, emoji.length, columns);
  return next === null || next === index ? null : (emoji[next] ?? null);
}
