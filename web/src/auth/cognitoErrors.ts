// Cognito's errors (exception names, as Amplify passes them on) turned into AuthFailures with
// messages for people. The pool prevents user-existence errors: a wrong password and an unknown
// user are one message.
import { AuthFailure, type AuthErrorCode } from './authService';

export const AUTH_MESSAGES: Record<AuthErrorCode, string> = {
  wrong_credentials: 'Wrong username or password.',
  not_confirmed: 'Your e-mail address is not verified yet: enter the code we sent you.',
  already_confirmed: 'This account is already verified: sign in.',
  password_reset_required: 'You need to set a new password: we can send you a code.',
  username_exists: 'That username is taken (names are unique regardless of case). Pick another.',
  invalid_password: 'That password does not meet the policy.',
  invalid_parameter: 'Check what you entered.',
  code_mismatch: 'That code is not right. Check the e-mail and try again.',
  code_expired: 'That code has expired: send a new one.',
  too_many_attempts: 'Too many attempts. Wait a few minutes, then try again.',
  user_disabled: 'This account is disabled.',
  network: 'Cannot reach the sign-in service. Check your connection and try again.',
  unknown: 'Something went wrong. Try again.',
};

const BY_NAME: Record<string, AuthErrorCode> = {
  NotAuthorizedException: 'wrong_credentials',
  UserNotFoundException: 'wrong_credentials',
  UserNotConfirmedException: 'not_confirmed',
  PasswordResetRequiredException: 'password_reset_required',
  UsernameExistsException: 'username_exists',
  AliasExistsException: 'username_exists',
  InvalidPasswordException: 'invalid_password',
  InvalidParameterException: 'invalid_parameter',
  CodeMismatchException: 'code_mismatch',
  ExpiredCodeException: 'code_expired',
  LimitExceededException: 'too_many_attempts',
  TooManyRequestsException: 'too_many_attempts',
  TooManyFailedAttemptsException: 'too_many_attempts',
  CodeDeliveryFailureException: 'unknown',
  NetworkError: 'network',
};

/** Cognito reports several distinct cases with one exception name; its message tells them apart. */
function refine(code: AuthErrorCode, message: string): AuthErrorCode {
  if (/attempts exceeded/i.test(message)) return 'too_many_attempts';
  if (/is disabled/i.test(message)) return 'user_disabled';
  if (/already confirmed|current status is confirmed/i.test(message)) return 'already_confirmed';
  return code;
}

/** Cognito's own wording is the useful part for these (which rule the password or e-mail broke). */
const KEEP_COGNITO_MESSAGE = new Set<AuthErrorCode>(['invalid_password', 'invalid_parameter']);

export function toAuthFailure(error: unknown): AuthFailure {
  if (error instanceof AuthFailure) return error;
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
  const message = error instanceof Error ? error.message : '';
  // fetch's own failure (no Amplify wrapper) is a TypeError.
  const base = BY_NAME[name] ?? (error instanceof TypeError ? 'network' : 'unknown');
  const code = refine(base, message);
  if (KEEP_COGNITO_MESSAGE.has(code) && message) return new AuthFailure(code, `${AUTH_MESSAGES[code]} ${message}`);
  return new AuthFailure(code, AUTH_MESSAGES[code]);
}
