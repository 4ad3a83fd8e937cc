// Shared helpers of the browser end-to-end tests: Debian's Chromium driven by playwright-core,
// the waiting assertions of expect.mjs (re-exported), sign-up and sign-in through the UI (codes
// read from MiniStack's outbox), seeding over a WebSocket from Node with a Cognito access token,
// and screenshots of every open page when a test fails.
//
// Environment: CHAT_URL (the UI, e.g. http://127.0.0.1:8707/), CHROMIUM_PATH (/usr/bin/chromium),
// E2E_ARTIFACTS (where failure screenshots go; default web/e2e/artifacts).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { codeFor, createAccount, emailOf, newestMessageTo, PASSWORD, passwordSignIn } from './cognito.mjs';
import { eventually, expectAttribute, expectCount, TIMEOUT } from './expect.mjs';

export * from './expect.mjs';

export const CHAT_URL = process.env.CHAT_URL ?? 'http://127.0.0.1:8707/';
export const ARTIFACTS = process.env.E2E_ARTIFACTS ?? join(dirname(fileURLToPath(import.meta.url)), 'artifacts');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: 60_000,
  });
}

/** A username no earlier test (or run on the same data) has used: `Alice_3f9a1c`. */
export function uniqueName(base) {
  return `${base}_${randomBytes(3).toString('hex')}`;
}

// -------------------------------------------------------------------------------------------
// The UI (selectors from web/README.md)
// -------------------------------------------------------------------------------------------

export const key = (name) => name.toLowerCase();
export const person = (page, name) => page.getByTestId(`person-${key(name)}`);
export const messageLog = (page) => page.getByTestId('message-log');
export const messages = (page) => page.getByTestId('conversation').getByTestId('message');
export const messageTexts = (page) => page.getByTestId('conversation').getByTestId('message-text');
export const composer = (page) => page.getByRole('textbox', { name: 'Message', exact: true });

/** The <img> elements showing a user's profile picture inside `scope` (absent while they have none). */
export const avatarPicture = (scope) => scope.locator('img[data-testid="avatar"]');

/** A 16x16 PNG (indigo and amber checks), 93 bytes. */
export const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAJElEQVR42mNITvsIR7/3q8ARLnGGQaiBGEXI4oNRw2g8DAoNALDQzBBfV5JeAAAAAElFTkSuQmCC';

const tempDirs = [];

/** Writes `content` to a fresh temp dir as `name`; returns the path (for setInputFiles). */
export function tempFile(name, content) {
  const dir = mkdtempSync(join(tmpdir(), 'chatastrophy-e2e-files-'));
  tempDirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Removes what tempFile wrote. */
export function removeTempFiles() {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

// -------------------------------------------------------------------------------------------
// Accounts (the local Cognito user pool) and the sign-in screens
// -------------------------------------------------------------------------------------------

let configPromise;
/** The app's config.json: `websocketUrl` and the user pool (`auth`, with MiniStack's `endpoint`). */
export function appConfig() {
  configPromise ??= fetch(new URL('config.json', CHAT_URL)).then(async (res) => {
    assert.ok(res.ok, `GET config.json: ${res.status}`);
    const config = await res.json();
    assert.ok(config.auth?.endpoint, 'config.json has auth.endpoint (the local stack\'s Cognito)');
    return config;
  });
  return configPromise;
}

/** Accounts made by this process (all with PASSWORD): a second browser signs in, not up. */
const accounts = new Set();
export const hasAccount = (name) => accounts.has(name);

/** Creates the account from Node (sign-up + code from the outbox), unless this process made it already. */
export async function ensureAccount(name) {
  if (accounts.has(name)) return;
  await createAccount((await appConfig()).auth, name);
  accounts.add(name);
}

export const connectionStatus = (page) => page.getByTestId('connection-status');
export const signInHeading = (page) => page.getByRole('heading', { name: 'Sign in', exact: true });

/** Waits until the chat is up as `name`: the header names them and the socket is open. */
export async function expectSignedIn(page, name) {
  await expectCount(page.getByRole('button', { name: `Your profile (signed in as ${name})`, exact: true }), 1);
  await expectAttribute(connectionStatus(page), 'data-state', 'online');
}

/**
 * Signs `name` up through the UI: the form (username, e-mail, password), then the code of the
 * verification e-mail (from MiniStack's outbox), which signs in. Resolves once online.
 */
export async function signUp(page, name) {
  const { auth } = await appConfig();
  await page.goto(CHAT_URL);
  await page.getByTestId('go-sign-up').click();
  await page.getByLabel('Username', { exact: true }).fill(name);
  await page.getByLabel('E-mail', { exact: true }).fill(emailOf(name));
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByTestId('sign-up-submit').click();
  await expectCount(page.getByRole('heading', { name: 'Verify your e-mail' }), 1);
  await page.getByLabel('Verification code', { exact: true }).fill(await codeFor(auth, emailOf(name)));
  await page.getByTestId('verify-submit').click();
  accounts.add(name);
  await expectSignedIn(page, name);
}

/** Opens the app and signs in with username and password; resolves once online. */
export async function signIn(page, name, password = PASSWORD) {
  await page.goto(CHAT_URL);
  await expectCount(signInHeading(page), 1);
  await page.getByLabel('Username', { exact: true }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByTestId('sign-in-submit').click();
  await expectSignedIn(page, name);
}

/** Signs out with the header's button; resolves once the sign-in screen is back. */
export async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectCount(signInHeading(page), 1);
}

/** The code of the next e-mail to `name` (the newest other than `before`, a message of newestMessageTo). */
export async function nextCode(name, before) {
  return codeFor((await appConfig()).auth, emailOf(name), { notId: before?.MessageId ?? null });
}

/** The newest e-mail to `name` in MiniStack's outbox, or null. */
export async function newestMail(name) {
  return newestMessageTo((await appConfig()).auth, emailOf(name));
}

/** Opens the conversation with `name` from the people list. */
export async function openConversation(page, name) {
  await person(page, name).click();
  await expectAttribute(page.getByTestId('conversation'), 'data-with', key(name));
  await expectAttribute(person(page, name), 'aria-current', 'true');
}

/** Types into the composer and sends with Enter; waits until the server acknowledged it. */
export async function send(page, text) {
  await composer(page).fill(text);
  await composer(page).press('Enter');
  await eventually(async () => assert.equal(await composer(page).inputValue(), '', 'the composer is cleared after Enter'));
  await expectAttribute(message(page, text).last(), 'data-status', 'sent');
}

/** The message(s) of the open conversation whose text is exactly `text`. */
export function message(page, text) {
  return messages(page).filter({ has: page.getByTestId('message-text').getByText(text, { exact: true }) });
}

// -------------------------------------------------------------------------------------------
// Seeding from Node over the WebSocket API (docs/protocol.md)
// -------------------------------------------------------------------------------------------

/** The id of the direct conversation of two users, as the server names it (src/protocol/conversations.ts). */
const directConversationId = (a, b) => `dm#${[key(a), key(b)].sort().join('#')}`;

/** One user's WebSocket connection, with request/answer helpers. */
export class SocketUser {
  /** Connects as `username` (their account is made first if needed) with a fresh access token. */
  static async connect(username) {
    await ensureAccount(username);
    const { websocketUrl, auth } = await appConfig();
    const { AccessToken } = await passwordSignIn(auth, username);
    // As the browser does: the token in the subprotocol list, never in the URL.
    const ws = new WebSocket(websocketUrl, ['chatastrophy.v1', AccessToken]);
    const user = new SocketUser(username, ws);
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${username}: WebSocket did not open`)), TIMEOUT);
      ws.once('open', () => (clearTimeout(timer), resolve()));
      ws.once('error', (e) => (clearTimeout(timer), reject(e)));
      ws.once('unexpected-response', (_req, res) => (clearTimeout(timer), reject(new Error(`${username}: $connect refused (${res.statusCode})`))));
    });
    return user;
  }

  constructor(username, ws) {
    this.username = username;
    this.ws = ws;
    this.waiters = [];
    this.seq = 0;
    ws.on('message', (data) => {
      const event = JSON.parse(String(data));
      const i = this.waiters.findIndex((w) => w.match(event));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(event);
    });
  }

  next(match, what) {
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`${this.username}: no ${what} within ${TIMEOUT} ms`));
      }, TIMEOUT).unref();
    });
  }

  /** Sends one message to `to` (their direct conversation) and waits for its `messageAck` (an `error` naming it rejects). */
  async sendMessage(to, text) {
    const clientMessageId = `seed-${Date.now().toString(36)}-${this.seq++}`;
    const answer = this.next(
      (e) => (e.type === 'messageAck' || e.type === 'error') && (e.message?.clientMessageId ?? e.clientMessageId) === clientMessageId,
      `messageAck for ${clientMessageId}`,
    );
    this.ws.send(JSON.stringify({ action: 'sendMessage', conversationId: directConversationId(this.username, to), text, clientMessageId }));
    const event = await answer;
    if (event.type === 'error') throw new Error(`${this.username} → ${to}: ${event.code}: ${event.message}`);
    return event.message;
  }

  async close() {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => this.ws.once('close', resolve));
    this.ws.close(1000);
    await closed;
  }
}

/** Creates users: their account, then one connection (a chat user exists from their first connection). */
export async function createUsers(...names) {
  for (const name of names) await (await SocketUser.connect(name)).close();
}

// -------------------------------------------------------------------------------------------
// One test's browser contexts: every user gets a context of their own (own storage, own socket).
// -------------------------------------------------------------------------------------------

export class Stage {
  constructor(browser, title) {
    this.browser = browser;
    this.title = title;
    this.pages = [];
    this.errors = [];
  }

  /** A new browser context and page (light mode, English, desktop size unless told). */
  async newPage(label, options = {}) {
    const context = await this.browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
      locale: 'en-US',
      ...options,
    });
    context.setDefaultTimeout(TIMEOUT);
    const page = await context.newPage();
    page.on('pageerror', (error) => this.errors.push(`${label}: ${error.message}`));
    this.pages.push({ label, page, context });
    return page;
  }

  /** A new context signed in as `name`: signed up through the UI, or signed in when the account exists. */
  async user(name, options) {
    const page = await this.newPage(name, options);
    if (hasAccount(name)) await signIn(page, name);
    else await signUp(page, name);
    return page;
  }

  async screenshots() {
    const slug = this.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const { label, page } of this.pages) {
      if (page.isClosed()) continue;
      const path = join(ARTIFACTS, `${slug}--${label.replace(/[^A-Za-z0-9_-]+/g, '_')}.png`);
      try {
        await page.screenshot({ path, fullPage: true, timeout: 5_000 });
        console.error(`  screenshot: ${path}`);
      } catch (error) {
        console.error(`  screenshot of ${label} failed: ${error.message}`);
      }
    }
  }

  async close() {
    for (const { context } of this.pages) await context.close().catch(() => {});
  }
}

/**
 * For a test file: launches Chromium before its tests and closes it after; returns `e2e(title, fn)`,
 * a test with a stage of its own whose open pages are saved to e2e/artifacts/ when it fails.
 */
export function browserTests() {
  let browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    removeTempFiles();
  });
  return function e2e(title, fn) {
    test(title, { timeout: 90_000 }, async () => {
      const stage = new Stage(browser, title);
      try {
        await fn(stage);
        assert.deepEqual(stage.errors, [], 'uncaught errors in the pages');
      } catch (error) {
        await stage.screenshots();
        throw error;
      } finally {
        await stage.close();
      }
    });
  };
}
