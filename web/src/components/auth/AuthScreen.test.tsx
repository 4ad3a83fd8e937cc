// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthUser } from '../../auth/authService';
import { FAKE_CODE, FakeAuthService } from '../../test/fakeAuth';
import { AuthScreen } from './AuthScreen';

afterEach(cleanup);

const OUTBOX = 'http://127.0.0.1:8709/_ministack/ses/messages';

function setup({ outboxUrl = null as string | null, reason = null as string | null } = {}) {
  const auth = new FakeAuthService();
  const signedIn: AuthUser[] = [];
  render(<AuthScreen auth={auth} outboxUrl={outboxUrl} reason={reason} onSignedIn={(u) => signedIn.push(u)} />);
  return { auth, signedIn };
}

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label, { exact: true }), { target: { value } });
const click = (name: string) => fireEvent.click(screen.getByRole('button', { name }));
const rules = () => Object.fromEntries(screen.getAllByRole('listitem').map((li) => [li.dataset.testid, li.dataset.met]));

describe('sign up', () => {
  it('sign-up → verify with the code → signed in, without typing the password again', async () => {
    const { auth, signedIn } = setup();
    click('Create an account');
    expect(screen.getByRole('heading', { name: 'Create an account' })).toBeTruthy();
    type('Username', 'Alice');
    type('E-mail', ' alice@example.com ');
    type('Password', 'Sup3r-secret');
    click('Create account');
    await screen.findByRole('heading', { name: 'Verify your e-mail' });
    expect(auth.users.get('alice')).toMatchObject({ username: 'Alice', email: 'alice@example.com', confirmed: false });
    expect(screen.getByRole('form', { name: 'Verify your e-mail' }).textContent).toContain('a***@e***');
    // No local stack: no outbox hint.
    expect(screen.queryByTestId('local-mail-hint')).toBeNull();

    type('Verification code', '000000');
    click('Verify');
    expect((await screen.findByTestId('verify-error')).textContent).toBe('That code is not right. Check the e-mail and try again.');
    type('Verification code', FAKE_CODE);
    click('Verify');
    await waitFor(() => expect(signedIn).toEqual([{ username: 'Alice' }]));
    expect(auth.calls).toEqual(['signUp', 'confirmSignUp', 'confirmSignUp', 'signIn']);
  });

  it('shows the password policy live, each rule ticked as it is met', () => {
    setup();
    click('Create an account');
    const all = ['password-rule-length', 'password-rule-upper', 'password-rule-lower', 'password-rule-digit', 'password-rule-symbol'];
    expect(rules()).toEqual(Object.fromEntries(all.map((id) => [id, 'false'])));
    type('Password', 'abc');
    expect(rules()).toMatchObject({ 'password-rule-lower': 'true', 'password-rule-upper': 'false', 'password-rule-length': 'false' });
    type('Password', 'abcDEF12');
    expect(rules()).toMatchObject({ 'password-rule-length': 'true', 'password-rule-upper': 'true', 'password-rule-digit': 'true', 'password-rule-symbol': 'false' });
    type('Password', 'abcDEF12!');
    expect(Object.values(rules())).toEqual(['true', 'true', 'true', 'true', 'true']);
    expect(within(screen.getByTestId('password-policy')).getByText('A symbol, such as ! ? # or %').parentElement!.textContent).toContain('(met)');
  });

  it('checks the username, e-mail and password before asking Cognito, and says when a name is taken', async () => {
    const { auth } = setup();
    auth.addUser('bob', 'Whatever-1');
    click('Create an account');
    type('Username', 'no spaces');
    type('E-mail', 'nope');
    type('Password', 'short');
    click('Create account');
    expect(screen.getByTestId('signup-username-error').textContent).toMatch(/1–32 characters/);
    expect(screen.getByTestId('signup-email-error').textContent).toMatch(/e-mail address such as/);
    expect(screen.getByTestId('signup-password-error').textContent).toBe('The password does not meet every rule of the list.');
    expect(auth.calls).toEqual([]);

    type('Username', 'BOB');
    type('E-mail', 'bob@example.com');
    type('Password', 'Str0ng-enough');
    click('Create account');
    expect((await screen.findByTestId('sign-up-error')).textContent).toBe('That username is taken (names are unique regardless of case). Pick another.');
  });

  it('sends the code again, and on the local stack points at the emulator outbox', async () => {
    const { auth } = setup({ outboxUrl: OUTBOX });
    click('Create an account');
    type('Username', 'carol');
    type('E-mail', 'carol@example.com');
    type('Password', 'Str0ng-enough');
    click('Create account');
    const hint = await screen.findByTestId('local-mail-hint');
    expect(within(hint).getByRole('link').getAttribute('href')).toBe(OUTBOX);
    expect(hint.textContent).toContain('123456');
    click('Send the code again');
    await waitFor(() => expect(screen.getByTestId('verify-status').textContent).toBe('We sent a new code to c***@e***.'));
    expect(auth.calls).toContain('resendSignUpCode');
  });
});

describe('sign in', () => {
  it('signs in; a wrong password and an unknown user get the same message', async () => {
    const { auth, signedIn } = setup();
    auth.addUser('Alice', 'Right-pass1');
    type('Username', 'alice');
    type('Password', 'wrong');
    click('Sign in');
    expect((await screen.findByTestId('sign-in-error')).textContent).toBe('Wrong username or password.');
    type('Username', 'nobody');
    click('Sign in');
    await waitFor(() => expect(auth.calls).toEqual(['signIn', 'signIn']));
    expect((await screen.findByTestId('sign-in-error')).textContent).toBe('Wrong username or password.');
    type('Username', 'alice');
    type('Password', 'Right-pass1');
    click('Sign in');
    await waitFor(() => expect(signedIn).toEqual([{ username: 'Alice' }]));
  });

  it('asks for both fields, and shows network and throttling errors clearly', async () => {
    const { auth } = setup();
    click('Sign in');
    expect(screen.getByTestId('signin-username-error').textContent).toBe('Enter your username.');
    expect(screen.getByTestId('signin-password-error').textContent).toBe('Enter your password.');
    expect(auth.calls).toEqual([]);
    type('Username', 'alice');
    type('Password', 'x');
    auth.failNext('signIn', 'network');
    click('Sign in');
    expect((await screen.findByTestId('sign-in-error')).textContent).toBe('Cannot reach the sign-in service. Check your connection and try again.');
    auth.failNext('signIn', 'too_many_attempts');
    click('Sign in');
    await waitFor(() => expect(screen.getByTestId('sign-in-error').textContent).toBe('Too many attempts. Wait a few minutes, then try again.'));
  });

  it('is busy while Cognito answers', async () => {
    const { auth } = setup();
    auth.addUser('alice', 'Right-pass1');
    const release = auth.hold('signIn');
    type('Username', 'alice');
    type('Password', 'Right-pass1');
    click('Sign in');
    const button = screen.getByTestId('sign-in-submit') as HTMLButtonElement;
    expect(button.textContent).toBe('Signing in…');
    expect(button.disabled).toBe(true);
    await act(async () => release());
  });

  it('an account whose e-mail is not verified goes to the code, then in', async () => {
    const { auth, signedIn } = setup({ outboxUrl: OUTBOX });
    auth.addUser('dave', 'Right-pass1', { confirmed: false });
    type('Username', 'dave');
    type('Password', 'Right-pass1');
    click('Sign in');
    await screen.findByRole('heading', { name: 'Verify your e-mail' });
    expect(screen.getByTestId('verify-status').textContent).toMatch(/not verified yet/);
    type('Verification code', FAKE_CODE);
    click('Verify');
    await waitFor(() => expect(signedIn).toEqual([{ username: 'dave' }]));
  });

  it('shows why the session ended', () => {
    setup({ reason: 'Your session has ended, sign in again.' });
    expect(screen.getByTestId('session-ended').textContent).toBe('Your session has ended, sign in again.');
    expect(screen.getByTestId('session-ended').getAttribute('role')).toBe('alert');
  });
});

describe('forgot password', () => {
  it('asks for a code, then sets the new password (same policy) and signs in with it', async () => {
    const { auth, signedIn } = setup({ outboxUrl: OUTBOX });
    auth.addUser('erin', 'Old-pass1');
    type('Username', 'erin');
    click('Forgot your password?');
    expect((screen.getByLabelText('Username') as HTMLInputElement).value).toBe('erin');
    click('Send a code');
    await screen.findByRole('heading', { name: 'Choose a new password' });
    expect(screen.getByTestId('forgot-status').textContent).toBe('We sent a code to e***@e***.');
    expect(screen.getByTestId('local-mail-hint')).toBeTruthy();
    type('Code', '111111');
    type('New password', 'weak');
    click('Set the new password');
    expect(screen.getByTestId('reset-password-error').textContent).toBe('The password does not meet every rule of the list.');
    expect(rules()).toMatchObject({ 'password-rule-lower': 'true', 'password-rule-upper': 'false' });
    type('New password', 'New-pass22');
    click('Set the new password');
    expect((await screen.findByTestId('forgot-error')).textContent).toBe('That code is not right. Check the e-mail and try again.');
    type('Code', FAKE_CODE);
    click('Set the new password');
    await waitFor(() => expect(signedIn).toEqual([{ username: 'erin' }]));
    expect(auth.users.get('erin')!.password).toBe('New-pass22');
  });

  it('goes back to sign in', () => {
    setup();
    click('Forgot your password?');
    click('Back to sign in');
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeTruthy();
  });
});

describe('errors', () => {
  it('an unexpected sign-in step is explained, not ignored', async () => {
    const { auth } = setup();
    vi.spyOn(auth, 'signIn').mockResolvedValue({ next: 'unsupported', step: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' });
    type('Username', 'x');
    type('Password', 'y');
    click('Sign in');
    expect((await screen.findByTestId('sign-in-error')).textContent).toContain('CONFIRM_SIGN_IN_WITH_TOTP_CODE');
  });
});
