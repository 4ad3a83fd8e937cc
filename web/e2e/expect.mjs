// Waiting assertions for the browser tests (playwright-core has no `expect`): each retries until
// it passes or the timeout is over, then fails with what was expected and what was seen.

import assert from 'node:assert/strict';

/** Generous: the machine may be busy compiling. */
export const TIMEOUT = 15_000;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

/** Waits until the first match's text is `expected` (a string, or a RegExp it must match). */
export async function expectText(locator, expected, opts) {
  await eventually(async () => {
    assert.ok((await locator.count()) > 0, `${locator} is not on the page`);
    const text = await locator.first().textContent({ timeout: 1_000 });
    if (expected instanceof RegExp) assert.match(text ?? '', expected, `text of ${locator}`);
    else assert.equal(text, expected, `text of ${locator}`);
  }, opts);
}

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
    if (process.env.MINISTACK_PORT) assert.equal(new URL(img.src).port, process.env.MINISTACK_PORT, `${locator} src is on the local S3 (MiniStack)`);
    assert.ok(img.complete && img.width > 0, `${locator} loaded (complete: ${img.complete}, naturalWidth: ${img.width}, src: ${img.src})`);
  }, opts);
}
