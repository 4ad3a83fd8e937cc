// Sign in with username and password (SRP: the password never leaves the browser).
import { useState, type FormEvent } from 'react';
import { AuthCard, Field, FormError, FormStatus, LinkButton, Links, SubmitButton } from './parts';
import { useAuthCall } from './useAuthCall';

export interface SignInFormProps {
  initialUsername?: string;
  /** Why the user is here against their will (the session ended). */
  reason?: string | null;
  /** Something that just worked (e-mail verified). */
  notice?: string | null;
  onSignIn(username: string, password: string): Promise<void>;
  onSignUp(): void;
  onForgotPassword(username: string): void;
}

export function SignInForm({ initialUsername = '', reason, notice, onSignIn, onSignUp, onForgotPassword }: SignInFormProps) {
  const [username, setUsername] = useState(initialUsername);
  const [password, setPassword] = useState('');
  const [touched, setTouched] = useState(false);
  const { busy, error, run } = useAuthCall();
  const usernameError = touched && username.trim() === '' ? 'Enter your username.' : null;
  const passwordError = touched && password === '' ? 'Enter your password.' : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (username.trim() === '' || password === '') return;
    void run(() => onSignIn(username.trim(), password));
  };

  return (
    <AuthCard label="Sign in" title="Sign in" intro="Welcome back." onSubmit={submit}>
      {reason && (
        <p role="alert" data-testid="session-ended" className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
          {reason}
        </p>
      )}
      {notice && <FormStatus testId="sign-in-notice" message={notice} />}
      <Field
        id="signin-username"
        label="Username"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        autoFocus={!initialUsername}
        value={username}
        onChange={setUsername}
        error={usernameError}
      />
      <Field
        id="signin-password"
        label="Password"
        type="password"
        autoComplete="current-password"
        autoFocus={Boolean(initialUsername)}
        value={password}
        onChange={setPassword}
        error={passwordError}
      />
      <FormError testId="sign-in-error" message={error} />
      <SubmitButton testId="sign-in-submit" busy={busy} busyLabel="Signing in…">
        Sign in
      </SubmitButton>
      <Links>
        <LinkButton testId="go-sign-up" onClick={onSignUp}>
          Create an account
        </LinkButton>
        <LinkButton testId="go-forgot-password" onClick={() => onForgotPassword(username.trim())}>
          Forgot your password?
        </LinkButton>
      </Links>
    </AuthCard>
  );
}
