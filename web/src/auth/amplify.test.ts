import { beforeEach, describe, expect, it, vi } from 'vitest';

// Amplify itself is replaced: these tests check what our adapter asks of it and how it reads the answers.
const amplify = vi.hoisted(() => ({
  configure: vi.fn(),
  signUp: vi.fn(),
  confirmSignUp: vi.fn(),
  resendSignUpCode: vi.fn(),
  signIn: vi.fn(),
  signOut: vi.fn(),
  fetchAuthSession: vi.fn(),
  resetPassword: vi.fn(),
  confirmResetPassword: vi.fn(),
}));
vi.mock('aws-amplify', () => ({ Amplify: { configure: amplify.configure } }));
vi.mock('aws-amplify/auth', () => amplify);

const { AmplifyAuthService } = await import('./amplify');
const { toAuthFailure } = await import('./cognitoErrors');

const POOL = { region: 'us-east-1', userPoolId: 'us-east-1_AbC', userPoolClientId: 'client1' };

function cognitoError(name: string, message = name) {
  return Object.assign(new Error(message), { name });
}

function session(username: string | null, exp = 2_000_000_000) {
  if (!username) return { tokens: undefined };
  return { tokens: { accessToken: { payload: { username, exp }, toString: () => `jwt-of-${username}` }, idToken: undefined } };
}

beforeEach(() => {
  for (const fn of Object.values(amplify)) fn.mockReset();
});

describe('AmplifyAuthService', () => {
  it('configures the pool; the endpoint only on the local stack', () => {
    new AmplifyAuthService(POOL);
    expect(amplify.configure).toHaveBeenLastCalledWith({
      Auth: { Cognito: { userPoolId: 'us-east-1_AbC', userPoolClientId: 'client1', loginWith: { username: true, email: false, phone: false }, signUpVerificationMethod: 'code' } },
    });
    new AmplifyAuthService({ ...POOL, endpoint: 'http://127.0.0.1:8709' });
    expect(amplify.configure.mock.lastCall![0].Auth.Cognito.userPoolEndpoint).toBe('http://127.0.0.1:8709');
  });

  it('signs up with the e-mail attribute and reports where the code went', async () => {
    const auth = new AmplifyAuthService(POOL);
    amplify.signUp.mockResolvedValue({ isSignUpComplete: false, nextStep: { signUpStep: 'CONFIRM_SIGN_UP', codeDeliveryDetails: { destination: 'a***@e***' } } });
    await expect(auth.signUp({ username: 'Alice', email: 'a@example.com', password: 'P4ss-word' })).resolves.toEqual({ next: 'confirm', destination: 'a***@e***' });
    expect(amplify.signUp).toHaveBeenCalledWith({ username: 'Alice', password: 'P4ss-word', options: { userAttributes: { email: 'a@example.com' } } });
    amplify.signUp.mockRejectedValue(cognitoError('UsernameExistsException', 'User already exists'));
    await expect(auth.signUp({ username: 'alice', email: 'a@example.com', password: 'P4ss-word' })).rejects.toMatchObject({ code: 'username_exists' });
  });

  it('signs in and names the user from the access token', async () => {
    const auth = new AmplifyAuthService(POOL);
    amplify.signIn.mockResolvedValue({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    amplify.fetchAuthSession.mockResolvedValue(session('Alice'));
    await expect(auth.signIn('alice', 'pw')).resolves.toEqual({ next: 'done', user: { username: 'Alice' } });
    amplify.signIn.mockResolvedValue({ isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_UP' } });
    await expect(auth.signIn('bob', 'pw')).resolves.toEqual({ next: 'confirmSignUp' });
    amplify.signIn.mockResolvedValue({ isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' } });
    await expect(auth.signIn('bob', 'pw')).resolves.toEqual({ next: 'unsupported', step: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' });
  });

  it('a wrong password and an unknown user are one error', async () => {
    const auth = new AmplifyAuthService(POOL);
    amplify.signIn.mockRejectedValueOnce(cognitoError('NotAuthorizedException', 'Incorrect username or password.'));
    amplify.signIn.mockRejectedValueOnce(cognitoError('UserNotFoundException', 'User does not exist.'));
    const first = await auth.signIn('alice', 'x').catch((e: unknown) => e);
    const second = await auth.signIn('nobody', 'x').catch((e: unknown) => e);
    expect(first).toMatchObject({ code: 'wrong_credentials', message: 'Wrong username or password.' });
    expect(second).toMatchObject({ code: 'wrong_credentials', message: 'Wrong username or password.' });
  });

  it('tokens left by an earlier user are dropped once before signing in', async () => {
    const auth = new AmplifyAuthService(POOL);
    amplify.signIn.mockRejectedValueOnce(cognitoError('UserAlreadyAuthenticatedException', 'There is already a signed in user.'));
    amplify.signIn.mockResolvedValueOnce({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    amplify.fetchAuthSession.mockResolvedValue(session('Alice'));
    await expect(auth.signIn('alice', 'pw')).resolves.toMatchObject({ next: 'done' });
    expect(amplify.signOut).toHaveBeenCalledWith();
  });

  it('hands out the access token with its expiry, null without a session, and throws on the network', async () => {
    const auth = new AmplifyAuthService(POOL);
    amplify.fetchAuthSession.mockResolvedValueOnce(session('Alice', 1_700_000_000));
    await expect(auth.accessToken({ forceRefresh: true })).resolves.toEqual({ jwt: 'jwt-of-Alice', expiresAt: 1_700_000_000_000 });
    expect(amplify.fetchAuthSession).toHaveBeenLastCalledWith({ forceRefresh: true });
    amplify.fetchAuthSession.mockResolvedValueOnce(session(null));
    await expect(auth.accessToken({ forceRefresh: false })).resolves.toBeNull();
    amplify.fetchAuthSession.mockRejectedValueOnce(cognitoError('NetworkError', 'A network error has occurred.'));
    await expect(auth.accessToken({ forceRefresh: false })).rejects.toMatchObject({ code: 'network' });
    amplify.fetchAuthSession.mockResolvedValueOnce(session(null));
    await expect(auth.currentUser()).resolves.toBeNull();
  });

  it('signs out globally', async () => {
    const auth = new AmplifyAuthService(POOL);
    await auth.signOut();
    expect(amplify.signOut).toHaveBeenCalledWith({ global: true });
  });

  it('forgot password: code, then code + new password', async () => {
    const auth = new AmplifyAuthService(POOL);
    amplify.resetPassword.mockResolvedValue({ isPasswordReset: false, nextStep: { resetPasswordStep: 'CONFIRM_RESET_PASSWORD_WITH_CODE', codeDeliveryDetails: { destination: 'e***@e***' } } });
    await expect(auth.resetPassword('erin')).resolves.toEqual({ destination: 'e***@e***' });
    await auth.confirmResetPassword('erin', '123456', 'New-pass22');
    expect(amplify.confirmResetPassword).toHaveBeenCalledWith({ username: 'erin', confirmationCode: '123456', newPassword: 'New-pass22' });
  });
});

describe('Cognito errors for people', () => {
  it.each([
    ['NotAuthorizedException', 'Password attempts exceeded', 'too_many_attempts'],
    ['NotAuthorizedException', 'User is disabled.', 'user_disabled'],
    ['NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED', 'already_confirmed'],
    ['UserNotConfirmedException', 'User is not confirmed.', 'not_confirmed'],
    ['CodeMismatchException', 'Invalid verification code provided, please try again.', 'code_mismatch'],
    ['ExpiredCodeException', 'Invalid code provided, please request a code again.', 'code_expired'],
    ['LimitExceededException', 'Attempt limit exceeded', 'too_many_attempts'],
    ['SomethingNew', 'eh', 'unknown'],
  ])('%s (%s) → %s', (name, message, code) => {
    expect(toAuthFailure(cognitoError(name, message)).code).toBe(code);
  });

  it("keeps Cognito's wording where it says which rule failed; fetch's TypeError is the network", () => {
    expect(toAuthFailure(cognitoError('InvalidPasswordException', 'Password must have symbol characters')).message).toBe(
      'That password does not meet the policy. Password must have symbol characters',
    );
    expect(toAuthFailure(new TypeError('Failed to fetch')).code).toBe('network');
  });
});
