// Verify the e-mail address with the code Cognito sent; the code can be sent again.
import { useState, type FormEvent } from 'react';
import { codeProblem } from '../../auth/accountRules';
import { AuthCard, Field, FormError, FormStatus, LinkButton, Links, SubmitButton } from './parts';
import { LocalMailHint } from './LocalMailHint';
import { useAuthCall } from './useAuthCall';

export interface VerifyEmailFormProps {
  username: string;
  /** Where the code went, as Cognito tells it (masked). */
  destination?: string;
  /** Why the user is here (e.g. signing in before verifying). */
  notice?: string | null;
  outboxUrl: string | null;
  onVerify(code: string): Promise<void>;
  /** Sends the code again; resolves with where it went. */
  onResend(): Promise<string | undefined>;
  onSignIn(): void;
}

export function VerifyEmailForm({ username, destination, notice, outboxUrl, onVerify, onResend, onSignIn }: VerifyEmailFormProps) {
  const [code, setCode] = useState('');
  const [touched, setTouched] = useState(false);
  const [status, setStatus] = useState<string | null>(notice ?? null);
  const verify = useAuthCall();
  const resend = useAuthCall();
  const problem = codeProblem(code.trim());

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (problem) return;
    resend.setError(null);
    void verify.run(() => onVerify(code.trim()));
  };

  const sendAgain = () => {
    setStatus(null);
    verify.setError(null);
    void resend.run(async () => {
      const to = await onResend();
      setStatus(`We sent a new code${to ? ` to ${to}` : ''}.`);
    });
  };

  return (
    <AuthCard
      label="Verify your e-mail"
      title="Verify your e-mail"
      intro={
        <>
          We sent a 6-digit code{destination ? ` to ${destination}` : ''} for <strong className="font-semibold">{username}</strong>. Enter it here.
        </>
      }
      onSubmit={submit}
    >
      <LocalMailHint outboxUrl={outboxUrl} code="123456" />
      <Field
        id="verify-code"
        label="Verification code"
        autoComplete="one-time-code"
        inputMode="numeric"
        autoFocus
        maxLength={12}
        value={code}
        onChange={setCode}
        error={touched ? problem : null}
      />
      <FormStatus testId="verify-status" message={status} />
      <FormError testId="verify-error" message={verify.error ?? resend.error} />
      <SubmitButton testId="verify-submit" busy={verify.busy} busyLabel="Verifying…">
        Verify
      </SubmitButton>
      <Links>
        <LinkButton testId="resend-code" onClick={sendAgain} disabled={resend.busy}>
          {resend.busy ? 'Sending…' : 'Send the code again'}
        </LinkButton>
        <LinkButton testId="go-sign-in" onClick={onSignIn}>
          Back to sign in
        </LinkButton>
      </Links>
    </AuthCard>
  );
}
