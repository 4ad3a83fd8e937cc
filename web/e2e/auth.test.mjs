// Browser end-to-end tests of identity: sign-up with the e-mail code (read from MiniStack's
// outbox), the session surviving a reload, global sign-out (refresh token revoked, socket closed),
// the sign-in errors, an account not verified yet, and forgot password. Real Cognito calls (SRP)
// from the page against the local stack's MiniStack; see chat.test.mjs for the chat itself.

import assert from 'node:assert/strict';
import { cognito, emailOf, PASSWORD, refresh } from './cognito.mjs';
import {
  appConfig,
  browserTests,
  CHAT_URL,
  connectionStatus,
  expectAttribute,
  expectCount,
  expectSignedIn,
  expectText,
  expectTexts,
  messageTexts,
  newestMail,
  nextCode,
  inboxItem,
  openConversation,
  send,
  signIn,
  signInHeading,
  signOut,
  startConversation,
  uniqueName,
} from './lib.mjs';

const e2e = browserTests();

/** The refresh token Amplify keeps in the page's localStorage (null when signed out). */
const storedRefreshToken = (page) =>
  page.evaluate(() => Object.entries(localStorage).find(([key]) => key.endsWith('.refreshToken'))?.[1] ?? null);

e2e('two users sign up and verify their e-mail, chat, stay signed in across a reload, and sign out for good', async (stage) => {
  const { auth } = await appConfig();
  const alice = uniqueName('Alice');
  const bob = uniqueName('Bob');

  // Alice signs up step by step: the form, the live password policy, the code from the outbox.
  const a = await stage.newPage(alice);
  await a.goto(CHAT_URL);
  await expectCount(signInHeading(a), 1);
  await a.getByTestId('go-sign-up').click();
  await a.getByLabel('Username', { exact: true }).fill(alice);
  await a.getByLabel('E-mail', { exact: true }).fill(emailOf(alice));
  const password = a.getByLabel('Password', { exact: true });
  await password.fill('chat');
  await expectAttribute(a.getByTestId('password-rule-lower'), 'data-met', 'true');
  await expectAttribute(a.getByTestId('password-rule-upper'), 'data-met', 'false');
  await expectAttribute(a.getByTestId('password-rule-length'), 'data-met', 'false');
  await password.fill(PASSWORD);
  for (const rule of ['length', 'upper', 'lower', 'digit', 'symbol']) {
    await expectAttribute(a.getByTestId(`password-rule-${rule}`), 'data-met', 'true');
  }
  await a.getByTestId('sign-up-submit').click();
  await expectCount(a.getByRole('heading', { name: 'Verify your e-mail' }), 1);
  // The local stack says where the code is.
  await expectAttribute(a.getByTestId('local-mail-hint').getByRole('link'), 'href', `${auth.endpoint}/_ministack/ses/messages`);
  await a.getByLabel('Verification code', { exact: true }).fill(await nextCode(alice, null));
  await a.getByTestId('verify-submit').click();
  await expectSignedIn(a, alice);

  const b = await stage.user(bob);
  await startConversation(a, bob);
  await send(a, 'Signed up and verified!');
  await openConversation(b, alice);
  await expectTexts(messageTexts(b), ['Signed up and verified!']);
  await send(b, 'Me too.');
  await expectTexts(messageTexts(a), ['Signed up and verified!', 'Me too.']);

  // A reload keeps both signed in (Amplify's tokens in localStorage): no form, the same user, history back.
  await a.reload();
  await b.reload();
  await expectSignedIn(a, alice);
  await expectSignedIn(b, bob);
  await expectCount(signInHeading(a), 0);
  await expectTexts(messageTexts(a), ['Signed up and verified!', 'Me too.']);
  await expectAttribute(inboxItem(b, alice), 'data-online', 'true');

  // Alice signs out: her socket closes (Bob sees her go offline) and her refresh token is revoked.
  const refreshToken = await storedRefreshToken(a);
  assert.ok(refreshToken, 'Amplify keeps a refresh token while signed in');
  await signOut(a);
  await expectAttribute(inboxItem(b, alice), 'data-online', 'false');
  await expectAttribute(inboxItem(b, alice), 'aria-label', `${alice}, last seen just now`);
  assert.equal(await storedRefreshToken(a), null, 'no tokens left in the page');
  await assert.rejects(refresh(auth, refreshToken), /NotAuthorizedException/, 'the global sign-out revoked the refresh token');
  // Still signed out after a reload.
  await a.reload();
  await expectCount(signInHeading(a), 1);
  await expectCount(connectionStatus(a), 0);

  // And back in with the password.
  await signIn(a, alice);
  await expectAttribute(inboxItem(b, alice), 'data-online', 'true');
});

e2e('sign-in errors are clear, an unverified account goes to its code, and a forgotten password is reset', async (stage) => {
  const { auth } = await appConfig();
  const carol = uniqueName('Carol');
  // Carol signed up elsewhere and never typed the code.
  await cognito(auth, 'SignUp', {
    ClientId: auth.userPoolClientId,
    Username: carol,
    Password: PASSWORD,
    UserAttributes: [{ Name: 'email', Value: emailOf(carol) }],
  });
  const page = await stage.newPage(carol);
  await page.goto(CHAT_URL);
  const error = page.getByTestId('sign-in-error');

  // An unknown user.
  await page.getByLabel('Username', { exact: true }).fill(`${carol}_nobody`);
  await page.getByLabel('Password', { exact: true }).fill('Wrong-pass-1');
  await page.getByTestId('sign-in-submit').click();
  await expectText(error, 'Wrong username or password.');

  // The right password of an account not verified yet: to the code, sent again on request.
  await page.goto(CHAT_URL);
  await page.getByLabel('Username', { exact: true }).fill(carol);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByTestId('sign-in-submit').click();
  await expectCount(page.getByRole('heading', { name: 'Verify your e-mail' }), 1);
  const before = await newestMail(carol);
  await page.getByTestId('resend-code').click();
  await expectText(page.getByTestId('verify-status'), /^We sent a new code/);
  await page.getByLabel('Verification code', { exact: true }).fill(await nextCode(carol, before));
  await page.getByTestId('verify-submit').click();
  await expectSignedIn(page, carol);
  await signOut(page);

  // A wrong password reads as an unknown user did (the pool hides who exists).
  await page.getByLabel('Username', { exact: true }).fill(carol);
  await page.getByLabel('Password', { exact: true }).fill('Wrong-pass-1');
  await page.getByTestId('sign-in-submit').click();
  await expectText(error, 'Wrong username or password.');

  // Forgot password: a code by e-mail, then a new password (the same live policy), which signs in.
  await page.getByTestId('go-forgot-password').click();
  const beforeReset = await newestMail(carol);
  await page.getByTestId('forgot-submit').click();
  await expectCount(page.getByRole('heading', { name: 'Choose a new password' }), 1);
  await page.getByLabel('Code', { exact: true }).fill(await nextCode(carol, beforeReset));
  await page.getByLabel('New password', { exact: true }).fill('Brand-new-Pass2');
  await expectAttribute(page.getByTestId('password-rule-symbol'), 'data-met', 'true');
  await page.getByTestId('reset-submit').click();
  await expectSignedIn(page, carol);
  await signOut(page);
  // The old password is refused now; the new one works.
  await page.goto(CHAT_URL);
  await page.getByLabel('Username', { exact: true }).fill(carol);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByTestId('sign-in-submit').click();
  await expectText(error, 'Wrong username or password.');
  await signIn(page, carol, 'Brand-new-Pass2');
});
