// Shared helpers of the browser end-to-end tests: Debian's Chromium driven by playwright-core,
// waiting assertions (playwright-core has no `expect`), sign-in, seeding over a WebSocket from Node,
// and screenshots of every open page when a test fails.
//
// Environment: CHAT_URL (the UI, e.g. http://127.0.0.1:8707/), CHROMIUM_PATH (/usr/bin/chromium),
// E2E_ARTIFACTS (where failure screenshots go; default web/e2e/artifacts).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';

export const CHAT_URL = process.env.CHAT_URL ?? 'http://127.0.0.1:8707/';
export const ARTIFACTS = process.env.E2E_ARTIFACTS ?? join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
/** Generous: the machine may be busy compiling. */
export const TIMEOUT = 15_000;

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

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A username no earlier test (or run on the same data) has used: `Alice_3f9a1c`. */
export function uniqueName(base) {
  return `${base}_${randomBytes(3).toString('hex')}`;
}

/**
 * Retries `check` (which throws, typically an assertion) until it passes or `timeout` ms have
 * passed; then throws its last error, so a failure says what was expected and what was seen.
 */
export async function eventually(check, { timeout = TIMEOUT, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    await sleep(interval);
  }
}

/** Reads without waiting for the element: null when it is absent. */
export async function attr(locator, name) {
  return (await locator.count()) === 0 ? null : locator.first().getAttribute(name, { timeout: 1_000 });
}

export async function expectAttribute(locator, name, expected, opts) {
  await eventually(async () => assert.equal(await attr(locator, name), expected, `${locator} [${name}]`), opts);
}

export async function expectCount(locator, expected, opts) {
  await eventually(async () => assert.equal(await locator.count(), expected, `count of ${locator}`), opts);
}

export async function expectTexts(locator, expected, opts) {
  await eventually(async () => assert.deepEqual(await locator.allTextContents(), expected, `texts of ${locator}`), opts);
}

export async function expectText(locator, expected, opts) {
  await eventually(async () => {
    assert.ok((await locator.count()) > 0, `${locator} is not on the page`);
    assert.equal(await locator.first().textContent({ timeout: 1_000 }), expected, `text of ${locator}`);
  }, opts);
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

/**
 * Waits until `locator` is an <img> whose presigned S3 URL actually loaded (complete, with a
 * natural width): a picture served by the local S3, not just an element with a src.
 */
export async function expectLoadedImage(locator, opts) {
  await eventually(async () => {
    assert.ok((await locator.count()) > 0, `${locator} is not on the page`);
    const img = await locator.first().evaluate((el) => ({ tag: el.tagName, src: el.currentSrc || el.src, complete: el.complete, width: el.naturalWidth }));
    assert.equal(img.tag, 'IMG', `${locator} is an <img>`);
    assert.match(img.src, /^https?:\/\/[^/]+\/.*[?&]X-Amz-Signature=/, `${locator} src is a presigned URL`);
    if (process.env.LOCAL_S3_PORT) assert.equal(new URL(img.src).port, process.env.LOCAL_S3_PORT, `${locator} src is on the local S3`);
    assert.ok(img.complete && img.width > 0, `${locator} loaded (complete: ${img.complete}, naturalWidth: ${img.width}, src: ${img.src})`);
  }, opts);
}

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

/** Opens the app and signs in; resolves once the connection indicator says online. */
export async function signIn(page, name) {
  await page.goto(CHAT_URL);
  await page.getByLabel('Username', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expectAttribute(page.getByTestId('connection-status'), 'data-state', 'online');
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

let websocketUrl;
async function wsUrl() {
  if (!websocketUrl) {
    const res = await fetch(new URL('config.json', CHAT_URL));
    assert.ok(res.ok, `GET config.json: ${res.status}`);
    websocketUrl = (await res.json()).websocketUrl;
  }
  return websocketUrl;
}

/** One user's WebSocket connection, with request/answer helpers. */
export class SocketUser {
  static async connect(username) {
    const ws = new WebSocket(`${await wsUrl()}?username=${encodeURIComponent(username)}`);
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

  /** Sends one message and waits for its `messageAck` (an `error` naming it rejects). */
  async sendMessage(to, text) {
    const clientMessageId = `seed-${Date.now().toString(36)}-${this.seq++}`;
    const answer = this.next(
      (e) => (e.type === 'messageAck' || e.type === 'error') && (e.message?.clientMessageId ?? e.clientMessageId) === clientMessageId,
      `messageAck for ${clientMessageId}`,
    );
    this.ws.send(JSON.stringify({ action: 'sendMessage', to, text, clientMessageId }));
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

/** Creates users by connecting once as each (a user exists from their first sign-in). */
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

  /** A new context signed in as `name`. */
  async user(name, options) {
    const page = await this.newPage(name, options);
    await signIn(page, name);
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
