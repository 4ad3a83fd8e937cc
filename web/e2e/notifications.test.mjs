// Browser end-to-end tests of what tells a user about new messages: desktop notifications (the
// page's `Notification` is a recording stub, installed before the app loads), the unread count in
// the title and on the favicon, and on a phone the badge on the back control with the app header
// out of the way. The other users are seeded over a WebSocket from Node (SocketUser).

import assert from 'node:assert/strict';
import {
  browserTests,
  composer,
  ensureAccount,
  eventually,
  expectAttribute,
  expectCount,
  expectText,
  message,
  backButton,
  inboxItem,
  signIn,
  SocketUser,
  startConversation,
  uniqueName,
} from './lib.mjs';

const e2e = browserTests();

/** Runs in the page before the app: a `Notification` that records instead of showing. */
function installNotificationStub(initialPermission) {
  const shown = [];
  let permissionRequests = 0;
  class RecordingNotification {
    static permission = initialPermission;
    static requestPermission() {
      permissionRequests += 1;
      RecordingNotification.permission = 'granted';
      return Promise.resolve('granted');
    }
    constructor(title, options = {}) {
      Object.assign(this, { title, body: options.body, tag: options.tag, onclick: null, closed: false });
      shown.push(this);
    }
    close() {
      this.closed = true;
    }
  }
  Object.defineProperty(window, 'Notification', { value: RecordingNotification, configurable: true, writable: true });
  window.__notifications = { shown, permissionRequests: () => permissionRequests };
}

/** A page whose notifications are recorded, with `permission` to begin with. */
async function pageWithNotifications(stage, label, permission, options) {
  const page = await stage.newPage(label, options);
  await page.context().addInitScript(installNotificationStub, permission);
  return page;
}

const shownNotifications = (page) =>
  page.evaluate(() => window.__notifications.shown.map(({ title, body, tag, closed }) => ({ title, body, tag, closed })));

const faviconHref = (page) => page.locator('link[rel~="icon"]').getAttribute('href');

e2e('a message to a background conversation notifies once, the open one does not; title and favicon count it', async (stage) => {
  const alice = uniqueName('Alice');
  const bob = uniqueName('Bob');
  const carol = uniqueName('Carol');
  await ensureAccount(alice);
  const seeds = await Promise.all([SocketUser.connect(bob), SocketUser.connect(carol)]);
  try {
    const [b, c] = seeds;
    const a = await pageWithNotifications(stage, alice, 'granted');
    await signIn(a, alice);
    await startConversation(a, bob);
    assert.equal(await faviconHref(a), './favicon.svg');

    await c.sendMessage(alice, 'Lunch at noon? I found a place that does great ramen near the station.');
    await expectText(inboxItem(a, carol).getByTestId('unread-badge'), '1');
    await eventually(async () =>
      assert.deepEqual(await shownNotifications(a), [
        { title: carol, body: 'Lunch at noon? I found a place that does great ramen near the station.', tag: `chatastrophy:dm#${[alice, carol].map((n) => n.toLowerCase()).sort().join('#')}`, closed: false },
      ]),
    );
    await eventually(async () => assert.equal(await a.title(), '(1) Chatastrophy'));
    await eventually(async () => assert.match((await faviconHref(a)) ?? '', /^data:image\/png;base64,/));
    // The badge is a real 64×64 image.
    assert.equal(await a.evaluate(async (href) => {
      const img = new Image();
      img.src = href;
      await img.decode();
      return img.naturalWidth;
    }, await faviconHref(a)), 64);

    // In the conversation on screen, in a visible tab: the message shows, nothing pops up.
    await b.sendMessage(alice, 'Seen right here');
    await expectCount(message(a, 'Seen right here'), 1);
    assert.equal((await shownNotifications(a)).length, 1);

    // Clicking the notification opens Carol's conversation; the count and the badge go.
    await a.evaluate(() => window.__notifications.shown[0].onclick(new Event('click')));
    await expectAttribute(a.getByTestId('conversation'), 'data-with', carol.toLowerCase());
    assert.equal(new URL(a.url()).hash, `#/with/${carol}`);
    await eventually(async () => assert.equal(await a.title(), 'Chatastrophy'));
    await eventually(async () => assert.equal(await faviconHref(a), './favicon.svg'));
    assert.equal((await shownNotifications(a))[0].closed, true);
  } finally {
    await Promise.all(seeds.map((s) => s.close()));
  }
});

e2e('on a phone: notifications offered after the first message, the conversation takes the screen, the back control counts the rest', async (stage) => {
  const alice = uniqueName('Alice');
  const bob = uniqueName('Bob');
  const carol = uniqueName('Carol');
  await ensureAccount(alice);
  const seeds = await Promise.all([SocketUser.connect(bob), SocketUser.connect(carol)]);
  try {
    const c = seeds[1];
    const a = await pageWithNotifications(stage, alice, 'default', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await signIn(a, alice);
    const appHeader = a.getByTestId('app-header');
    const prompt = a.getByTestId('notification-prompt');
    assert.equal(await prompt.count(), 0, 'no notification prompt at load');

    await startConversation(a, bob);
    await eventually(async () => assert.equal(await appHeader.isVisible(), false, 'the app header is hidden under an open conversation'));
    await expectAttribute(a.getByTestId('conversation-connection'), 'data-state', 'online');
    assert.equal(await a.getByTestId('conversation-connection').isVisible(), true);

    // Sending the first message is when notifications are offered; the browser is asked from the click.
    assert.equal(await prompt.count(), 0);
    // On a touch screen Enter makes a new line: the Send button sends.
    await composer(a).fill('Hi Bob');
    await a.getByRole('button', { name: 'Send' }).click();
    await expectAttribute(message(a, 'Hi Bob'), 'data-status', 'sent');
    await expectCount(prompt, 1);
    assert.equal(await a.evaluate(() => window.__notifications.permissionRequests()), 0);
    await prompt.getByRole('button', { name: 'Turn on notifications' }).click();
    await expectCount(prompt, 0);
    assert.equal(await a.evaluate(() => window.__notifications.permissionRequests()), 1);

    // Carol writes: the back control carries the unread count of the other conversations.
    await c.sendMessage(alice, 'Are you coming?');
    await expectText(a.getByTestId('back-unread-badge'), '1');
    await expectCount(a.getByRole('button', { name: 'Back to conversations, 1 unread message', exact: true }), 1);
    await eventually(async () => assert.equal((await shownNotifications(a)).length, 1));
    assert.equal(await composer(a).isVisible(), true);

    await backButton(a).click();
    await eventually(async () => assert.equal(await appHeader.isVisible(), true));
    assert.equal(await a.getByRole('button', { name: 'Sign out' }).isVisible(), true);
    await expectText(inboxItem(a, carol).getByTestId('unread-badge'), '1');
  } finally {
    await Promise.all(seeds.map((s) => s.close()));
  }
});
