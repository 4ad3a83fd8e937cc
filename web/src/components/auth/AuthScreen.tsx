// The signed-out screens and the way between them: sign in, create an account, verify the
// e-mail, forgot password. Talks to the AuthService; the chat starts with onSignedIn.
import { useState } from 'react';
import { AUTH_MESSAGES } from '../../auth/cognitoErrors';
import { AuthFailure, type AuthService, type AuthUser } from '../../auth/authService';
import { ForgotPasswordForm } from './ForgotPasswordForm';
import { SignInForm } from './SignInForm';
import { SignUpForm, type SignUpInput } from './SignUpForm';
import { VerifyEmailForm } from './VerifyEmailForm';

type View =
  | { screen: 'signIn'; username?: string; notice?: string }
  | { screen: 'signUp' }
  /** The password is kept (in memory only) to sign in once the e-mail is verified. */
  | { screen: 'verify'; username: string; password?: string; destination?: string; notice?: string }
  | { screen: 'forgot'; username?: string; notice?: string };

export interface AuthScreenProps {
  auth: AuthService;
  /** Why the user was signed out (the session ended), shown on the sign-in form. */
  reason?: string | null;
  /** MiniStack's outbox on the local stack (codes are read there), null on AWS. */
  outboxUrl: string | null;
  onSignedIn(user: AuthUser): void;
}

export function AuthScreen({ auth, reason, outboxUrl, onSignedIn }: AuthScreenProps) {
  const [view, setView] = useState<View>({ screen: 'signIn' });
  const toSignIn = (username?: string, notice?: string) => setView({ screen: 'signIn', username, notice });

  /** Signs in and goes where Cognito says is next. Throws what the form shows. */
  const signIn = async (username: string, password: string) => {
    const result = await auth.signIn(username, password);
    switch (result.next) {
      case 'done':
        onSignedIn(result.user);
        return;
      case 'confirmSignUp':
        setView({ screen: 'verify', username, password, notice: AUTH_MESSAGES.not_confirmed });
        return;
      case 'resetPassword':
        setView({ screen: 'forgot', username, notice: AUTH_MESSAGES.password_reset_required });
        return;
      case 'unsupported':
        throw new AuthFailure('unknown', `This account needs a sign-in step this app does not offer (${result.step}).`);
    }
  };

  switch (view.screen) {
    case 'signIn':
      return (
        <SignInForm
          key={`signIn:${view.username ?? ''}`}
          initialUsername={view.username}
          reason={view.notice ? null : reason}
          notice={view.notice}
          onSignIn={async (username, password) => {
            try {
              await signIn(username, password);
            } catch (error) {
              // Older Amplify versions throw instead of answering with the CONFIRM_SIGN_UP step.
              if (error instanceof AuthFailure && error.code === 'not_confirmed') {
                setView({ screen: 'verify', username, password, notice: error.message });
                return;
              }
              throw error;
            }
          }}
          onSignUp={() => setView({ screen: 'signUp' })}
          onForgotPassword={(username) => setView({ screen: 'forgot', username })}
        />
      );
    case 'signUp':
      return (
        <SignUpForm
          onSignUp={async ({ username, email, password }: SignUpInput) => {
            const result = await auth.signUp({ username, email, password });
            if (result.next === 'done') await signIn(username, password);
            else setView({ screen: 'verify', username, password, destination: result.destination });
          }}
          onSignIn={() => toSignIn()}
        />
      );
    case 'verify':
      return (
        <VerifyEmailForm
          key={`verify:${view.username}`}
          username={view.username}
          destination={view.destination}
          notice={view.notice}
          outboxUrl={outboxUrl}
          onVerify={async (code) => {
            try {
              await auth.confirmSignUp(view.username, code);
            } catch (error) {
              if (!(error instanceof AuthFailure && error.code === 'already_confirmed')) throw error;
            }
            if (view.password) await signIn(view.username, view.password);
            else toSignIn(view.username, 'Your e-mail address is verified: sign in.');
          }}
          onResend={async () => (await auth.resendSignUpCode(view.username)).destination}
          onSignIn={() => toSignIn(view.username)}
        />
      );
    case 'forgot':
      return (
        <ForgotPasswordForm
          key={`forgot:${view.username ?? ''}`}
          initialUsername={view.username}
          notice={view.notice}
          outboxUrl={outboxUrl}
          onRequestCode={async (username) => (await auth.resetPassword(username)).destination}
          onReset={async (username, code, newPassword) => {
            await auth.confirmResetPassword(username, code, newPassword);
            await signIn(username, newPassword);
          }}
          onSignIn={() => toSignIn(view.username)}
        />
      );
  }
}
