// AuthService on Amplify v6's auth category: SRP sign-in (the password never leaves the browser),
// tokens kept in localStorage (the session survives a reload) and refreshed with the refresh token.
import { Amplify } from 'aws-amplify';
import {
  confirmResetPassword,
  confirmSignUp,
  fetchAuthSession,
  resendSignUpCode,
  resetPassword,
  signIn,
  signOut,
  signUp,
} from 'aws-amplify/auth';
import type { AuthConfig } from '../config/appConfig';
import type { AccessToken } from '../protocol/tokens';
import { toAuthFailure } from './cognitoErrors';
import type { AuthService, AuthUser, CodeDelivery, SignInResult, SignUpResult } from './authService';

/** Configures Amplify for the pool of config.json (once per page: Amplify is a singleton). */
export function configureAmplify(auth: AuthConfig): void {
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: auth.userPoolId,
        userPoolClientId: auth.userPoolClientId,
        // Only on the local stack (MiniStack); AWS's regional endpoint otherwise.
        ...(auth.endpoint ? { userPoolEndpoint: auth.endpoint } : {}),
        loginWith: { username: true, email: false, phone: false },
        signUpVerificationMethod: 'code',
      },
    },
  });
}

/** Runs an Amplify call; its failures become AuthFailures (code + message for people). */
async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toAuthFailure(error);
  }
}

function delivery(details: { destination?: string } | undefined): CodeDelivery {
  return details?.destination ? { destination: details.destination } : {};
}

export class AmplifyAuthService implements AuthService {
  constructor(auth: AuthConfig) {
    configureAmplify(auth);
  }

  async currentUser(): Promise<AuthUser | null> {
    const { tokens } = await call(() => fetchAuthSession());
    if (!tokens) return null;
    // The access token's `username` is what the $connect authorizer reads: the same name here.
    const claim = tokens.accessToken.payload.username ?? tokens.idToken?.payload['cognito:username'];
    return typeof claim === 'string' && claim ? { username: claim } : null;
  }

  async signUp(input: { username: string; email: string; password: string }): Promise<SignUpResult> {
    const { nextStep } = await call(() =>
      signUp({ username: input.username, password: input.password, options: { userAttributes: { email: input.email } } }),
    );
    if (nextStep.signUpStep === 'CONFIRM_SIGN_UP') return { next: 'confirm', ...delivery(nextStep.codeDeliveryDetails) };
    return { next: 'done' };
  }

  async confirmSignUp(username: string, code: string): Promise<void> {
    await call(() => confirmSignUp({ username, confirmationCode: code }));
  }

  async resendSignUpCode(username: string): Promise<CodeDelivery> {
    return delivery(await call(() => resendSignUpCode({ username })));
  }

  async signIn(username: string, password: string): Promise<SignInResult> {
    let result;
    try {
      result = await signIn({ username, password });
    } catch (error) {
      // Tokens of an earlier user left behind (the screen shows nobody signed in): drop them, once.
      if (!(error instanceof Error && error.name === 'UserAlreadyAuthenticatedException')) throw toAuthFailure(error);
      await call(() => signOut());
      result = await call(() => signIn({ username, password }));
    }
    switch (result.nextStep.signInStep) {
      case 'DONE': {
        const user = await this.currentUser();
        if (!user) throw toAuthFailure(new Error('signed in without tokens'));
        return { next: 'done', user };
      }
      case 'CONFIRM_SIGN_UP':
        return { next: 'confirmSignUp' };
      case 'RESET_PASSWORD':
        return { next: 'resetPassword' };
      default:
        return { next: 'unsupported', step: result.nextStep.signInStep };
    }
  }

  async resetPassword(username: string): Promise<CodeDelivery> {
    const { nextStep } = await call(() => resetPassword({ username }));
    return delivery(nextStep.codeDeliveryDetails);
  }

  async confirmResetPassword(username: string, code: string, newPassword: string): Promise<void> {
    await call(() => confirmResetPassword({ username, confirmationCode: code, newPassword }));
  }

  async accessToken({ forceRefresh }: { forceRefresh: boolean }): Promise<AccessToken | null> {
    const { tokens } = await call(() => fetchAuthSession({ forceRefresh }));
    if (!tokens) return null;
    const exp = tokens.accessToken.payload.exp;
    // Without `exp` (never from Cognito) the token is treated as about to expire: refreshed each time.
    return { jwt: tokens.accessToken.toString(), expiresAt: typeof exp === 'number' ? exp * 1000 : 0 };
  }

  async signOut(): Promise<void> {
    // Amplify clears the local tokens even when the global sign-out request fails.
    await call(() => signOut({ global: true }));
  }
}
