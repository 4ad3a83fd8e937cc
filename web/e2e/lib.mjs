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
/** A direct conversation in the inbox (there once it has a message). */
export const inboxItem = (page, name) => page.getByTestId(`inbox-dm-${key(name)}`);
/** A room in the inbox, by its `room#<ULID>` id. */
export const roomItem = (page, conversationId) => page.getByTestId(`inbox-room-${conversationId.replace(/^room#/, '')}`);
/** The back control of a conversation on a phone. */
export const backButton = (page) => page.getByRole('button', { name: /^Back to conversations/ });
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

/** Opens the direct conversation with `name` from the inbox (where it is once it has a message). */
export async function openConversation(page, name) {
  await inboxItem(page, name).click();
  await expectAttribute(page.getByTestId('conversation'), 'data-with', key(name));
  await expectAttribute(inboxItem(page, name), 'aria-current', 'true');
}

/**
 * Starts (or opens) the direct conversation with `name` through people search: a prefix of the
 * name typed in the inbox's search box, then their result. It reaches the inbox with its first message.
 */
export async function startConversation(page, name) {
  await page.getByRole('searchbox', { name: 'Search people' }).fill(name.slice(0, -2));
  await page.getByTestId(`person-result-${key(name)}`).click();
  await expectAttribute(page.getByTestId('conversation'), 'data-with', key(name));
}

/** Opens a room from the inbox. */
export async function openRoom(page, conversationId) {
  await roomItem(page, conversationId).click();
  await expectAttribute(page.getByTestId('conversation'), 'data-room', conversationId.replace(/^room#/, ''));
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

/** `to` as a conversation id: a `room#…` id as it is, a username as their direct conversation with `me`. */
const conversationIdOf = (me, to) => (to.startsWith('room#') ? to : directConversationId(me, to));

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

  /**
   * Sends one message to `to` (a username: their direct conversation; or a `room#…` id) and waits
   * for its `messageAck` (an `error` naming it rejects). `replyTo`: the id of a message it answers.
   */
  async sendMessage(to, text, { replyTo } = {}) {
    const clientMessageId = `seed-${Date.now().toString(36)}-${this.seq++}`;
    const answer = this.next(
      (e) => (e.type === 'messageAck' || e.type === 'error') && (e.message?.clientMessageId ?? e.clientMessageId) === clientMessageId,
      `messageAck for ${clientMessageId}`,
    );
    this.ws.send(
      JSON.stringify({ action: 'sendMessage', conversationId: conversationIdOf(this.username, to), text, clientMessageId, ...(replyTo ? { replyTo } : {}) }),
    );
    const event = await answer;
    if (event.type === 'error') throw new Error(`${this.username} → ${to}: ${event.code}: ${event.message}`);
    return event.message;
  }

  /**
   * Sends many messages to `to`, `concurrency` at a time (the seeding of long histories: much quicker
   * than one by one, but their order is the server's: sort the answers by `id`). Resolves with them.
   */
  async sendMany(to, texts, { concurrency = 10 } = {}) {
    const sent = [];
    for (let i = 0; i < texts.length; i += concurrency) {
      sent.push(...(await Promise.all(texts.slice(i, i + concurrency).map((text) => this.sendMessage(to, text)))));
    }
    return sent;
  }

  /** Sends an action with a fresh `requestId` and resolves with the answer echoing it (an `error` rejects). */
  async request(action, fields) {
    const requestId = `seed-${Date.now().toString(36)}-${this.seq++}`;
    const answer = this.next((e) => e.requestId === requestId, `an answer to ${action} ${requestId}`);
    this.ws.send(JSON.stringify({ action, ...fields, requestId }));
    const event = await answer;
    if (event.type === 'error') throw new Error(`${this.username} ${action}: ${event.code}: ${event.message}`);
    return event;
  }

  /** Creates a room with these first members; resolves with its `room#<ULID>` id. */
  async createRoom(name, members) {
    return (await this.request('createRoom', { name, members })).room.conversationId;
  }

  /** Reacts to a message of `to` (a username or a `room#…` id) with one emoji. */
  async react(to, messageId, emoji, reacted = true) {
    return this.request('react', { conversationId: conversationIdOf(this.username, to), messageId, emoji, reacted });
  }

  /** Edits my message of `to`. */
  async editMessage(to, messageId, text) {
    return this.request('editMessage', { conversationId: conversationIdOf(this.username, to), messageId, text });
  }

  /** Marks `to` (a username or a `room#…` id) read up to `messageId`. */
  async markRead(to, messageId) {
    return this.request('markRead', { conversationId: conversationIdOf(this.username, to), messageId });
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

/** The server events each page has received over its WebSockets, parsed (recorded by Stage). */
const receivedByPage = new WeakMap();

function recordEvents(page) {
  const events = [];
  receivedByPage.set(page, events);
  page.on('websocket', (ws) =>
    ws.on('framereceived', ({ payload }) => {
      try {
        events.push(JSON.parse(String(payload)));
      } catch {
        // not a JSON event
      }
    }),
  );
}

/** The events `page` (a Stage page) has received so far. */
export const receivedEvents = (page) => receivedByPage.get(page) ?? [];

/** Waits until `page` has received the server's `readState` for `messageId`: its markRead was taken. */
export async function expectReadState(page, messageId) {
  await eventually(async () =>
    assert.ok(receivedEvents(page).some((e) => e.type === 'readState' && e.messageId === messageId), `a readState for ${messageId}`),
  );
}

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
    return this.#track(label, await context.newPage(), context);
  }

  #track(label, page, context) {
    recordEvents(page);
    page.on('pageerror', (error) => this.errors.push(`${label}: ${error.message}`));
    this.pages.push({ label, page, context });
    return page;
  }

  /** A second tab of `page`'s user: a page in the same context (same storage, so signed in), on its own socket. */
  async tab(page, label) {
    const { context } = this.pages.find((p) => p.page === page);
    const tab = this.#track(label, await context.newPage(), context);
    await tab.goto(CHAT_URL);
    return tab;
  }

  /** A new context signed in as `name`: signed up through the UI, or signed in when the account exists. */
  async user(name, options) {
    const page = await this.newPage(name, options);
    if (hasAccount(name)) await signIn(page, name);
    else await signUp(page, name);
    return page;
  }

  /** Several users at once (as `user`): their sign-ins overlap. */
  users(...names) {
    return Promise.all(names.map((name) => this.user(name)));
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
