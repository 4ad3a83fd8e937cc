// The building blocks of the auth screens: the card they sit on, a labelled field with its hint or
// error, the submit button, alerts and the small links between screens.
import type { FormEvent, InputHTMLAttributes, ReactNode } from 'react';

export function AuthCard({ title, intro, label, onSubmit, children }: { title: string; intro?: ReactNode; label: string; onSubmit(e: FormEvent): void; children: ReactNode }) {
  return (
    <main className="flex min-h-full items-center justify-center bg-slate-50 p-4 dark:bg-slate-950">
      <form
        aria-label={label}
        noValidate
        onSubmit={onSubmit}
        className="w-full max-w-sm rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900"
      >
        <p className="mb-4 text-sm font-bold tracking-wide text-indigo-600 dark:text-indigo-400">Chatastrophy</p>
        <h1 className="mb-1 text-2xl font-bold">{title}</h1>
        {intro && <div className="mb-4 text-sm text-slate-600 dark:text-slate-400">{intro}</div>}
        <div className="mt-4 flex flex-col gap-4">{children}</div>
      </form>
    </main>
  );
}

export interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange'> {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  /** Shown in red under the field (role=alert). */
  error?: string | null;
  /** Shown under the field when there is no error. */
  hint?: ReactNode;
  /** More description ids (e.g. the password checklist). */
  describedBy?: string;
}

export function Field({ id, label, value, onChange, error, hint, describedBy, ...input }: FieldProps) {
  const note = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  const described = [note, describedBy].filter(Boolean).join(' ') || undefined;
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-sm font-medium">
        {label}
      </label>
      <input
        id={id}
        name={id}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
        onChange={(e) => onChange(e.target.value)}
        className="w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-base outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/30 dark:border-slate-700 dark:bg-slate-950"
        {...input}
      />
      {error ? (
        <p id={`${id}-error`} role="alert" data-testid={`${id}-error`} className="mt-1 text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : (
        hint && (
          <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500 dark:text-slate-400">
            {hint}
          </p>
        )
      )}
    </div>
  );
}

export function SubmitButton({ testId, busy, busyLabel, children }: { testId: string; busy: boolean; busyLabel: string; children: ReactNode }) {
  return (
    <button
      type="submit"
      data-testid={testId}
      disabled={busy}
      className="w-full rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60"
    >
      {busy ? busyLabel : children}
    </button>
  );
}

/** An error of the whole form (Cognito's answer), read out at once. */
export function FormError({ testId, message }: { testId: string; message: string | null }) {
  if (!message) return null;
  return (
    <p role="alert" data-testid={testId} className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-200">
      {message}
    </p>
  );
}

/** A note that something worked (a code was sent, the e-mail is verified). */
export function FormStatus({ testId, message }: { testId: string; message: string | null }) {
  return (
    <p role="status" data-testid={testId} className={message ? 'rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200' : 'sr-only'}>
      {message}
    </p>
  );
}

export function LinkButton({ testId, onClick, children, disabled }: { testId: string; onClick(): void; children: ReactNode; disabled?: boolean }) {
  return (
    <button
      type="button"
      data-testid={testId}
      onClick={onClick}
      disabled={disabled}
      className="text-sm font-medium text-indigo-700 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 disabled:opacity-60 dark:text-indigo-300"
    >
      {children}
    </button>
  );
}

export function Links({ children }: { children: ReactNode }) {
  return <div className="flex flex-wrap items-center justify-between gap-2">{children}</div>;
}
