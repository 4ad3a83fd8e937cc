// Create an account: username (the chat's rule), e-mail (where the code goes), and a password
// checked live against the pool's policy.
import { useState, type FormEvent } from 'react';
import { emailProblem, passwordProblem } from '../../auth/accountRules';
import { USERNAME_MAX_CHARS, USERNAME_RULE, usernameProblem } from '../../protocol/chatRules';
import { AuthCard, Field, FormError, LinkButton, Links, SubmitButton } from './parts';
import { PasswordChecklist } from './PasswordChecklist';
import { useAuthCall } from './useAuthCall';

export interface SignUpInput {
  username: string;
  email: string;
  password: string;
}

export interface SignUpFormProps {
  onSignUp(input: SignUpInput): Promise<void>;
  onSignIn(): void;
}

export function SignUpForm({ onSignUp, onSignIn }: SignUpFormProps) {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // A field's problem shows once the user left it (or submitted), not while they type its first letters.
  const [touched, setTouched] = useState({ username: false, email: false, password: false });
  const touch = (field: keyof typeof touched) => setTouched((t) => ({ ...t, [field]: true }));
  const { busy, error, run } = useAuthCall();
  const problems = { username: usernameProblem(username), email: emailProblem(email.trim()), password: passwordProblem(password) };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched({ username: true, email: true, password: true });
    if (problems.username || problems.email || problems.password) return;
    void run(() => onSignUp({ username, email: email.trim(), password }));
  };

  return (
    <AuthCard label="Create an account" title="Create an account" intro="Pick a username: it is how people find you." onSubmit={submit}>
      <Field
        id="signup-username"
        label="Username"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        autoFocus
        maxLength={USERNAME_MAX_CHARS + 8}
        value={username}
        onChange={setUsername}
        onBlur={() => username && touch('username')}
        error={touched.username ? problems.username : null}
        hint={`${USERNAME_RULE}; unique regardless of case.`}
      />
      <Field
        id="signup-email"
        label="E-mail"
        type="email"
        autoComplete="email"
        inputMode="email"
        value={email}
        onChange={setEmail}
        onBlur={() => email && touch('email')}
        error={touched.email ? problems.email : null}
        hint="We send a code to verify it."
      />
      <Field
        id="signup-password"
        label="Password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={setPassword}
        error={touched.password ? problems.password : null}
        describedBy="signup-password-rules"
      />
      <PasswordChecklist id="signup-password-rules" password={password} />
      <FormError testId="sign-up-error" message={error} />
      <SubmitButton testId="sign-up-submit" busy={busy} busyLabel="Creating your account…">
        Create account
      </SubmitButton>
      <Links>
        <LinkButton testId="go-sign-in" onClick={onSignIn}>
          I have an account: sign in
        </LinkButton>
      </Links>
    </AuthCard>
  );
}
