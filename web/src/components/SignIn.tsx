import { useState, type FormEvent } from 'react';
import { USERNAME_MAX_CHARS, USERNAME_RULE } from '../protocol/rules';
import { signInProblem } from '../protocol/session';

export interface SignInProps {
  initialName?: string;
  error: string | null;
  busy: boolean;
  onSignIn(username: string): void;
}

export function SignIn({ initialName = '', error, busy, onSignIn }: SignInProps) {
  const [name, setName] = useState(initialName);
  const [touched, setTouched] = useState(false);
  const problem = touched ? signInProblem(name) : null;
  const shown = problem ?? error;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (signInProblem(name) || busy) return;
    onSignIn(name);
  };

  return (
    <main className="flex min-h-full items-center justify-center bg-slate-50 p-4 dark:bg-slate-950">
      <form
        aria-label="Sign in"
        noValidate
        onSubmit={submit}
        className="w-full max-w-sm rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900"
      >
        <h1 className="mb-1 text-2xl font-bold">Chatastrophy</h1>
        <p className="mb-6 text-sm text-slate-600 dark:text-slate-400">Pick a name to start chatting.</p>
        <label htmlFor="username" className="mb-1 block text-sm font-medium">
          Username
        </label>
        <input
          id="username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          autoFocus
          maxLength={USERNAME_MAX_CHARS + 8}
          value={name}
          aria-invalid={shown ? true : undefined}
          aria-describedby={shown ? 'username-error' : 'username-hint'}
          onChange={(e) => setName(e.target.value)}
          onBlur={() => name && setTouched(true)}
          className="w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-base outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/30 dark:border-slate-700 dark:bg-slate-950"
        />
        {shown ? (
          <p id="username-error" role="alert" data-testid="sign-in-error" className="mt-2 text-sm text-red-600 dark:text-red-400">
            {shown}
          </p>
        ) : (
          <p id="username-hint" className="mt-2 text-xs text-slate-500 dark:text-slate-400">
            {USERNAME_RULE}
          </p>
        )}
        <button
          type="submit"
          data-testid="sign-in-submit"
          disabled={busy}
          className="mt-6 w-full rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60"
        >
          {busy ? 'Connecting…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
