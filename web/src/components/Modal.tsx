import { useEffect, useId, useRef, type ReactNode, type RefObject } from 'react';

export interface ModalProps {
  title: string;
  testId: string;
  onClose(): void;
  children: ReactNode;
  /** The element focused on open (else the dialog's first field or button). */
  initialFocus?: RefObject<HTMLElement | null>;
}

/**
 * A modal dialog (`<dialog>` shown with showModal: focus stays inside, the page behind is inert).
 * Escape closes it; focus goes back to whatever opened it.
 */
export function Modal({ title, testId, onClose, children, initialFocus }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = ref.current;
    if (dialog && !dialog.open) {
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    }
    const first = initialFocus?.current ?? dialog?.querySelector<HTMLElement>('input, textarea, button');
    first?.focus();
    return () => opener?.focus();
    // Once, as it opens.
  }, []); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      data-testid={testId}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        e.preventDefault();
        e.stopPropagation();
        onClose();
      }}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      className="fixed inset-0 m-auto w-[min(28rem,calc(100%-2rem))] max-h-[calc(100%-2rem)] overflow-y-auto rounded-2xl bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-950/50 dark:bg-slate-900 dark:text-slate-100"
    >
      <div className="flex items-center justify-between border-b border-slate-200 px-4 py-3 dark:border-slate-800">
        <h2 id={titleId} className="font-semibold">
          {title}
        </h2>
        <button
          type="button"
          aria-label="Close"
          onClick={onClose}
          className="rounded-full px-2 py-1 text-lg leading-none hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-slate-800"
        >
          <span aria-hidden="true">×</span>
        </button>
      </div>
      <div className="p-4">{children}</div>
    </dialog>
  );
}

export const buttonPrimary =
  'rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-50';
export const buttonDanger =
  'rounded-lg bg-red-600 px-4 py-2 text-sm font-semibold text-white hover:bg-red-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600 disabled:cursor-not-allowed disabled:opacity-50';
export const buttonQuiet =
  'rounded-lg px-4 py-2 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-200 dark:ring-slate-600 dark:hover:bg-slate-800';

/** A question with a confirming and a cancelling button ("Leave the room?"). */
export function ConfirmDialog({
  title,
  testId,
  children,
  confirmLabel,
  danger = false,
  busy = false,
  error,
  onConfirm,
  onClose,
}: {
  title: string;
  testId: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  error?: string | null;
  onConfirm(): void;
  onClose(): void;
}) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  return (
    <Modal title={title} testId={testId} onClose={onClose} initialFocus={cancelRef}>
      <div className="text-sm text-slate-700 dark:text-slate-300">{children}</div>
      {error && (
        <p role="alert" data-testid={`${testId}-error`} className="mt-3 text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
      <div className="mt-4 flex justify-end gap-2">
        <button ref={cancelRef} type="button" onClick={onClose} className={buttonQuiet}>
          Cancel
        </button>
        <button type="button" data-testid={`${testId}-confirm`} disabled={busy} onClick={onConfirm} className={danger ? buttonDanger : buttonPrimary}>
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
