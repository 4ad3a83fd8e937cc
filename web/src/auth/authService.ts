// Our own interface to the identity provider (Cognito). Components and tests use it, never
// Amplify itself: amplify.ts implements it, the tests use a fake.
import type { AccessToken } from '../protocol/tokens';

export interface AuthUser {
  /** The Cognito username, as signed up (the token's `username` claim). */
  username: string;
}

/** Where a code was sent, as Cognito tells it (a masked address such as `a***@e***`). */
export interface CodeDelivery {
  destination?: string;
}

export type SignUpResult = ({ next: 'confirm' } & CodeDelivery) | { next: 'done' };

/**
 * `confirmSignUp`: the e-mail is not verified yet (go to the code); `resetPassword`: the account
 * must set a new password first; `unsupported`: a step this app does not offer (MFA, …).
 */
export type SignInResult = { next: 'done'; user: AuthUser } | { next: 'confirmSignUp' } | { next: 'resetPassword' } | { next: 'unsupported'; step: string };

export interface AuthService {
  /** The signed-in user of the stored session (it survives a reload), or null. Throws when it cannot tell (network). */
  currentUser(): Promise<AuthUser | null>;
  signUp(input: { username: string; email: string; password: string }): Promise<SignUpResult>;
  confirmSignUp(username: string, code: string): Promise<void>;
  resendSignUpCode(username: string): Promise<CodeDelivery>;
  /** SRP: the password never leaves the browser. */
  signIn(username: string, password: string): Promise<SignInResult>;
  /** Sends a code to reset the password ("forgot password"). */
  resetPassword(username: string): Promise<CodeDelivery>;
  confirmResetPassword(username: string, code: string, newPassword: string): Promise<void>;
  /**
   * The access token, refreshed when expired or when `forceRefresh`; null when there is no
   * session (signed out, refresh token revoked or expired). Throws when it cannot tell (network).
   */
  accessToken(options: { forceRefresh: boolean }): Promise<AccessToken | null>;
  /** Global sign-out: revokes the refresh token everywhere; local tokens are cleared even if that fails. */
  signOut(): Promise<void>;
}

export type AuthErrorCode =
  | 'wrong_credentials'
  | 'not_confirmed'
  | 'already_confirmed'
  | 'password_reset_required'
  | 'username_exists'
  | 'invalid_password'
  | 'invalid_parameter'
  | 'code_mismatch'
  | 'code_expired'
  | 'too_many_attempts'
  | 'user_disabled'
  | 'network'
  | 'unknown';

/** A failed auth call with a code the screens act on and a message for people. */
export class AuthFailure extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthFailure';
  }
}
