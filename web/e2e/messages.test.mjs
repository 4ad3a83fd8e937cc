// Browser end-to-end tests of the message list (issue #16): long words and links wrap inside
// their bubble at desktop and phone sizes, the "New messages" divider, scrolling back that does not
// stall when a page lands with a live message, and images opening in the in-app viewer.

import assert from 'node:assert/strict';
import {
  browserTests,
  createUsers,
  eventually,
  expectAttribute,
  expectCount,
  expectLoadedImage,
  expectReadState,
  expectText,
  message,
  messageLog,
  messageTexts,
  inboxItem,
  openConversation,
  PNG_BASE64,
  send,
  signIn,
  SocketUser,
  startConversation,
  tempFile,
  uniqueName,
} from './lib.mjs';

const e2e = browserTests();

/**
 * In the page: the next `messages` answer (an older page) is held until the next live `message`
 * arrives, then both are handed to the app in one task, so React shows them in one render.
 */
function holdNextPageUntilLiveMessage() {
  const Native = window.WebSocket;
  window.__holdNextPage = false;
  window.WebSocket = class extends Native {
    set onmessage(handler) {
      let held = null;
      super.onmessage =
        handler &&
        ((event) => {
          const data = String(event.data);
          if (window.__holdNextPage && data.includes('"type":"messages"')) {
            window.__holdNextPage = false;
            held = event;
            return;
          }
          if (held && data.includes('"type":"message"')) {
            const page = held;
            held = null;
            handler(page);
          }
          handler(event);
        });
    }
    get onmessage() {
      return super.onmessage;
    }
  };
}

e2e('scrolling back keeps loading older pages after a page landed together with a live message', async (stage) => {
  // Pages of 50: the newest, the one held, and one more by the wheel.
  const TOTAL = 110;
  const reader = uniqueName('Reader');
  const writer = uniqueName('Writer');
  await createUsers(reader);
  const ws = await SocketUser.connect(writer);
  try {
    await ws.sendMany(reader, Array.from({ length: TOTAL - 1 }, (_, i) => `History ${i + 1}`));
    await ws.sendMessage(reader, `History ${TOTAL}`);
    const r = await stage.newPage(reader);
    await r.addInitScript(holdNextPageUntilLiveMessage);
    await signIn(r, reader);
    await openConversation(r, writer);
    await expectText(messageTexts(r).last(), `History ${TOTAL}`);
    const firstPage = await messageTexts(r).count();

    // The reader goes to the top; the older page's answer waits for a live message, and both land at once.
    await r.evaluate(() => (window.__holdNextPage = true));
    await messageLog(r).evaluate((el) => el.scrollTo({ top: 0 }));
    await expectCount(r.getByTestId('loading-older'), 1);
    await ws.sendMessage(reader, 'Live while reading history');
    await expectText(messageTexts(r).last(), 'Live while reading history');
    await eventually(async () => assert.ok((await messageTexts(r).count()) > firstPage + 1, 'the older page is shown'));
    await expectCount(r.getByTestId('loading-older'), 0);
    const afterOne = await messageTexts(r).count();

    // Scrolling up with the wheel (as a reader does, over and over) brings the next page.
    const box = await messageLog(r).boundingBox();
    await r.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await eventually(
      async () => {
        await r.mouse.wheel(0, -400);
        assert.ok((await messageTexts(r).count()) > afterOne, `more than ${afterOne} messages after scrolling up`);
      },
      { interval: 250 },
    );
  } finally {
    await ws.close();
  }
});

/** How a message's text sits in its bubble: right edges and the overflow of both (px). */
function boxesOf(item) {
  return item.evaluate((li) => {
    const text = li.querySelector('[data-testid="message-text"]');
    const bubble = li.querySelector('[data-testid="message-bubble"]');
    const log = li.closest('[data-testid="message-log"]');
    return {
      textRight: text.getBoundingClientRect().right,
      bubbleRight: bubble.getBoundingClientRect().right,
      logRight: log.getBoundingClientRect().right,
      textOverflow: text.scrollWidth - text.clientWidth,
      bubbleOverflow: bubble.scrollWidth - bubble.clientWidth,
      logOverflow: log.scrollWidth - log.clientWidth,
    };
  });
}

e2e('unread messages come under a "New messages" divider; long links and words wrap in their bubble; images open in the viewer', async (stage) => {
  const reader = uniqueName('Reader');
  const writer = uniqueName('Writer');
  const other = uniqueName('Other');
  const link = `https://example.com/${'a1b2c3d4e5'.repeat(13)}`.slice(0, 150);
  const word = 'W'.repeat(200);
  await createUsers(reader, other);
  const ws = await SocketUser.connect(writer);
  try {
    const readBefore = await ws.sendMessage(reader, 'Read before');
    const r = await stage.newPage(reader);
    await signIn(r, reader);
    await openConversation(r, writer);
    await expectText(messageTexts(r).last(), 'Read before');
    // Read on screen: the server has the read point (markRead answered).
    await expectReadState(r, readBefore.id);

    // While another conversation is open, two messages come in; opening this one puts the divider above them.
    await startConversation(r, other);
    await ws.sendMessage(reader, link);
    await ws.sendMessage(reader, word);
    await expectText(inboxItem(r, writer).getByTestId('unread-badge'), '2');
    await openConversation(r, writer);
    await expectText(messageTexts(r).last(), word);
    const order = await r.getByTestId('conversation').evaluate((root) => {
      const divider = root.querySelector('[data-testid="unread-divider"]');
      return [...root.querySelectorAll('[data-testid="message-text"], [data-testid="unread-divider"]')].map((el) =>
        el === divider ? 'divider' : el.textContent.slice(0, 20),
      );
    });
    assert.deepEqual(order, ['Read before', 'divider', link.slice(0, 20), word.slice(0, 20)]);
    assert.equal(await message(r, link).locator('a').getAttribute('href'), link);

    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await r.setViewportSize(viewport);
      for (const text of [link, word]) {
        const boxes = await boxesOf(message(r, text));
        const where = `${text.slice(0, 12)}… at ${viewport.width}x${viewport.height}: ${JSON.stringify(boxes)}`;
        assert.ok(boxes.textRight <= boxes.bubbleRight + 0.5, `the text ends inside its bubble (${where})`);
        assert.ok(boxes.bubbleRight <= boxes.logRight + 0.5, `the bubble ends inside the log (${where})`);
        assert.ok(boxes.textOverflow <= 0 && boxes.bubbleOverflow <= 0 && boxes.logOverflow <= 0, `nothing overflows (${where})`);
      }
    }

    // An image opens in the app's viewer (with a fresh URL), not as the raw S3 link; Escape closes it.
    await send(r, 'Still here');
    await expectCount(r.getByTestId('unread-divider'), 1);
    await r.getByTestId('attach-input').setInputFiles(tempFile('tiny view.png', Buffer.from(PNG_BASE64, 'base64')));
    await expectAttribute(r.getByTestId('pending-attachment'), 'data-status', 'ready');
    await r.getByRole('button', { name: 'Send' }).click();
    const thumbnail = r.getByTestId('message').last().getByTestId('attachment');
    await expectLoadedImage(thumbnail.getByTestId('attachment-image'));
    const pages = r.context().pages().length;
    await thumbnail.click();
    const viewer = r.getByRole('dialog', { name: 'tiny view.png' });
    await expectLoadedImage(viewer.getByTestId('image-viewer-image'));
    assert.equal(r.context().pages().length, pages, 'no new tab');
    await r.keyboard.press('Escape');
    await expectCount(viewer, 0);
    assert.equal(await thumbnail.evaluate((el) => el === document.activeElement), true, 'focus is back on the image');
  } finally {
    await ws.close();
  }
});
