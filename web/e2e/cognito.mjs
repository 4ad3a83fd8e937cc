// The local user pool from Node (MiniStack's Cognito, the `auth` object of config.json): accounts
// for users that only seed data over the WebSocket, and the verification codes of MiniStack's
// outbox (`GET <endpoint>/_ministack/ses/messages`), which the browser tests type in. Plain calls
// of Cognito's JSON API, as a browser makes them (no signing: these operations take none).

import assert from 'node:assert/strict';

/** Meets the pool's policy (8+, upper, lower, digit, symbol); every test account uses it. */
export const PASSWORD = 'Chat-e2e-Pass1';
/** What MiniStack sends, used only when its outbox has no message for the address. */
export const FALLBACK_CODE = '123456';

export const emailOf = (username) => `${username.toLowerCase()}@example.com`;

/** One Cognito operation; throws `<Op>: <__type>: <message>` on an error answer. */
export async function cognito(auth, operation, body) {
  const res = await fetch(auth.endpoint ?? `https://cognito-idp.${auth.region}.amazonaws.com/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `AWSCognitoIdentityProviderService.${operation}`,
    },
    body: JSON.stringify(body),
  });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) {
    const error = new Error(`${operation}: ${answer.__type ?? res.status}: ${answer.message ?? answer.Message ?? ''}`);
    error.type = String(answer.__type ?? '').split('#').pop();
    throw error;
  }
  return answer;
}

/**
 * The newest e-mail in MiniStack's outbox to `email`. The answer is
 * `{"messages": {"<account>": [{"To": [...], "Subject", "BodyText", "BodyHtml", "Timestamp": <s>, "Type"}]}}`.
 */
export async function newestMessageTo(auth, email) {
  assert.ok(auth.endpoint, 'config.json auth.endpoint: the outbox exists on the local stack only');
  const res = await fetch(`${auth.endpoint}/_ministack/ses/messages`);
  assert.ok(res.ok, `GET /_ministack/ses/messages: ${res.status}`);
  const { messages = {} } = await res.json();
  const mine = Object.values(messages)
    .flat()
    .filter((m) => (m.To ?? []).some((to) => to.toLowerCase() === email.toLowerCase()))
    .sort((a, b) => (a.Timestamp ?? 0) - (b.Timestamp ?? 0));
  return mine.at(-1) ?? null;
}

/**
 * The code of the newest e-mail to `email` (other than the message `notId`: the one before a new
 * code was asked for). Waits a little for it; falls back to MiniStack's fixed code only when none comes.
 */
export async function codeFor(auth, email, { notId = null, waitMs = 3_000 } = {}) {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const message = await newestMessageTo(auth, email);
    if (message && message.MessageId !== notId) {
      const code = /\b(\d{6})\b/.exec(`${message.BodyText ?? ''} ${message.BodyHtml ?? ''} ${message.Subject ?? ''}`)?.[1];
      assert.ok(code, `no 6-digit code in the e-mail to ${email}: ${JSON.stringify(message)}`);
      return code;
    }
    if (Date.now() >= deadline) {
      console.error(`  no e-mail to ${email} in MiniStack's outbox: using ${FALLBACK_CODE}`);
      return FALLBACK_CODE;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Signs `username` up and verifies the e-mail with the code from the outbox. */
export async function createAccount(auth, username, password = PASSWORD) {
  const email = emailOf(username);
  await cognito(auth, 'SignUp', {
    ClientId: auth.userPoolClientId,
    Username: username,
    Password: password,
    UserAttributes: [{ Name: 'email', Value: email }],
  });
  const code = await codeFor(auth, email);
  await cognito(auth, 'ConfirmSignUp', { ClientId: auth.userPoolClientId, Username: username, ConfirmationCode: code });
}

/** The tokens of a password sign-in (USER_PASSWORD_AUTH, which the local web client allows). */
export async function passwordSignIn(auth, username, password = PASSWORD) {
  const { AuthenticationResult: tokens } = await cognito(auth, 'InitiateAuth', {
    ClientId: auth.userPoolClientId,
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  assert.ok(tokens?.AccessToken, `InitiateAuth for ${username} answered no tokens`);
  return tokens;
}

/** New tokens for a refresh token; throws (NotAuthorizedException) once it is revoked. */
export async function refresh(auth, refreshToken) {
  const { AuthenticationResult: tokens } = await cognito(auth, 'InitiateAuth', {
    ClientId: auth.userPoolClientId,
    AuthFlow: 'REFRESH_TOKEN_AUTH',
    AuthParameters: { REFRESH_TOKEN: refreshToken },
  });
  return tokens;
}
