// Forgot password: ask for a code (by username), then enter it with a new password (the same live
// policy as sign-up). The pool hides whether a user exists, so an unknown name "gets" a code too.
import { useState, type FormEvent } from 'react';
import { codeProblem, passwordProblem } from '../../auth/accountRules';
import { AuthCard, Field, FormError, FormStatus, LinkButton, Links, SubmitButton } from './parts';
import { LocalMailHint } from './LocalMailHint';
import { PasswordChecklist } from './PasswordChecklist';
import { useAuthCall } from './useAuthCall';

export interface ForgotPasswordFormProps {
  initialUsername?: string;
  /** Why the user is here (e.g. the account must set a new password). */
  notice?: string | null;
  outboxUrl: string | null;
  /** Sends a code; resolves with where it went. */
  onRequestCode(username: string): Promise<string | undefined>;
  onReset(username: string, code: string, newPassword: string): Promise<void>;
  onSignIn(): void;
}

export function ForgotPasswordForm({ initialUsername = '', notice, outboxUrl, onRequestCode, onReset, onSignIn }: ForgotPasswordFormProps) {
  const [username, setUsername] = useState(initialUsername);
  const [step, setStep] = useState<'request' | 'reset'>('request');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [touched, setTouched] = useState(false);
  const { busy, error, run } = useAuthCall();

  const request = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (username.trim() === '') return;
    void run(async () => {
      const to = await onRequestCode(username.trim());
      setSentTo(`We sent a code${to ? ` to ${to}` : ' to the e-mail address of this account'}.`);
      setTouched(false);
      setStep('reset');
    });
  };

  const reset = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (codeProblem(code.trim()) || passwordProblem(password)) return;
    void run(() => onReset(username.trim(), code.trim(), password));
  };

  if (step === 'request') {
    return (
      <AuthCard label="Reset your password" title="Reset your password" intro="We send a code to the e-mail address of your account." onSubmit={request}>
        {notice && <FormStatus testId="forgot-notice" message={notice} />}
        <Field
          id="forgot-username"
          label="Username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          autoFocus
          value={username}
          onChange={setUsername}
          error={touched && username.trim() === '' ? 'Enter your username.' : null}
        />
        <FormError testId="forgot-error" message={error} />
        <SubmitButton testId="forgot-submit" busy={busy} busyLabel="Sending…">
          Send a code
        </SubmitButton>
        <Links>
          <LinkButton testId="go-sign-in" onClick={onSignIn}>
            Back to sign in
          </LinkButton>
        </Links>
      </AuthCard>
    );
  }

  return (
    <AuthCard label="Choose a new password" title="Choose a new password" intro={<>For <strong className="font-semibold">{username.trim()}</strong>.</>} onSubmit={reset}>
      <FormStatus testId="forgot-status" message={sentTo} />
      <LocalMailHint outboxUrl={outboxUrl} />
      <Field
        id="reset-code"
        label="Code"
        autoComplete="one-time-code"
        inputMode="numeric"
        autoFocus
        maxLength={12}
        value={code}
        onChange={setCode}
        error={touched ? codeProblem(code.trim()) : null}
      />
      <Field
        id="reset-password"
        label="New password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={setPassword}
        error={touched ? passwordProblem(password) : null}
        describedBy="reset-password-rules"
      />
      <PasswordChecklist id="reset-password-rules" password={password} />
      <FormError testId="forgot-error" message={error} />
      <SubmitButton testId="reset-submit" busy={busy} busyLabel="Saving…">
        Set the new password
      </SubmitButton>
      <Links>
        <LinkButton testId="go-sign-in" onClick={onSignIn}>
          Back to sign in
        </LinkButton>
      </Links>
    </AuthCard>
  );
}
