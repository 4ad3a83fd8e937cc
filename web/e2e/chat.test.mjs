// Browser end-to-end tests of the chat: Debian's Chromium against the real local stack
// (local-gateway + DynamoDB Local + MiniStack for S3 and Cognito), started by e2e/run.sh. Each user
// has a browser context of their own (stage.user): signed up through the UI in the first test, made
// from Node (createUsers) and signed in through the UI in the others, which is quicker. Names are
// unique per test because the stored data lasts for the whole run. Sign-up, sign-in and sign-out
// themselves are in auth.test.mjs.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  attr,
  avatarPicture,
  browserTests,
  composer,
  createUsers,
  eventually,
  expectAttribute,
  expectCount,
  expectLoadedImage,
  expectSignedIn,
  expectText,
  expectTexts,
  message,
  messageLog,
  messages,
  messageTexts,
  inboxItem,
  openConversation,
  PNG_BASE64,
  send,
  SocketUser,
  startConversation,
  tempFile,
  uniqueName,
} from './lib.mjs';

const e2e = browserTests();

e2e('two users sign up, find each other, see each other online and exchange messages both ways', async (stage) => {
  const alice = uniqueName('Alice');
  const bob = uniqueName('Bob');
  const [a, b] = await stage.users(alice, bob);

  // Alice finds Bob in people search; the conversation reaches both inboxes with its first message.
  await startConversation(a, bob);
  await send(a, 'Hi Bob! Lunch at noon?');
  await expectAttribute(inboxItem(a, bob), 'data-online', 'true');
  await expectText(inboxItem(a, bob).getByTestId('inbox-preview'), 'You: Hi Bob! Lunch at noon?');
  await expectAttribute(inboxItem(b, alice), 'data-online', 'true');
  await expectText(inboxItem(b, alice).getByTestId('inbox-preview'), 'Hi Bob! Lunch at noon?');
  assert.equal(await attr(inboxItem(b, alice), 'aria-label'), `${alice}, online, 1 unread message`);

  await openConversation(b, alice);
  await expectTexts(messageTexts(b), ['Hi Bob! Lunch at noon?']);
  await expectAttribute(message(b, 'Hi Bob! Lunch at noon?'), 'data-from', alice);

  // Bob answers with the Send button this time.
  await composer(b).fill('Sure, see you there.');
  await b.getByRole('button', { name: 'Send' }).click();
  await expectAttribute(message(b, 'Sure, see you there.'), 'data-status', 'sent');

  await expectTexts(messageTexts(a), ['Hi Bob! Lunch at noon?', 'Sure, see you there.']);
  await expectAttribute(message(a, 'Sure, see you there.'), 'data-from', bob);
  await send(a, 'Great 🎉');
  await expectTexts(messageTexts(b), ['Hi Bob! Lunch at noon?', 'Sure, see you there.', 'Great 🎉']);
});

e2e('the receiver sees an unread count for a conversation that is not open', async (stage) => {
  const alice = uniqueName('Alice');
  const bob = uniqueName('Bob');
  const carol = uniqueName('Carol');
  await createUsers(alice, bob, carol);
  const [a, b] = await stage.users(alice, bob);

  // Bob is reading another conversation.
  await startConversation(b, carol);
  await startConversation(a, bob);
  await send(a, 'Are you there?');
  await send(a, 'Call me when you can.');

  const badge = inboxItem(b, alice).getByTestId('unread-badge');
  await expectText(badge, '2');
  await expectAttribute(inboxItem(b, alice), 'aria-label', `${alice}, online, 2 unread messages`);
  await eventually(async () => assert.equal(await b.title(), '(2) Chatastrophy'));
  // Nothing leaked into the conversation on screen.
  await expectCount(messages(b), 0);
  await expectAttribute(b.getByTestId('conversation'), 'data-with', carol.toLowerCase());

  await openConversation(b, alice);
  await expectTexts(messageTexts(b), ['Are you there?', 'Call me when you can.']);
  await expectCount(badge, 0);
  await expectAttribute(inboxItem(b, alice), 'aria-label', `${alice}, online`);
  await eventually(async () => assert.equal(await b.title(), 'Chatastrophy'));
});

e2e('reload keeps the history of the open conversation', async (stage) => {
  const alice = uniqueName('Alice');
  const bob = uniqueName('Bob');
  await createUsers(alice, bob);
  const [a, b] = await stage.users(alice, bob);

  await startConversation(a, bob);
  await send(a, 'First message');
  await send(a, 'Second message\nwith a second line');
  await openConversation(b, alice);
  await send(b, 'A reply from Bob');
  const expected = ['First message', 'Second message\nwith a second line', 'A reply from Bob'];
  await expectTexts(messageTexts(a), expected);

  await a.reload();
  // The stored session (Amplify's tokens) signs in again, the URL hash reopens the conversation, history reloads.
  assert.match(a.url(), new RegExp(`#/with/${bob}$`));
  await expectSignedIn(a, alice);
  await expectAttribute(a.getByTestId('conversation'), 'data-with', bob.toLowerCase());
  await expectTexts(messageTexts(a), expected);
  await expectAttribute(messages(a).last(), 'data-from', bob);
  await expectCount(a.getByTestId('history-start'), 1);

  // And the conversation still works after the reload.
  await send(a, 'Still here after a reload');
  await expectTexts(messageTexts(b), [...expected, 'Still here after a reload']);
});

e2e('scrolling up loads older pages until the first message', async (stage) => {
  // Pages of 50: the newest page, then two older ones.
  const TOTAL = 110;
  const reader = uniqueName('Reader');
  const writer = uniqueName('Writer');
  const label = (i) => `Seeded message ${String(i).padStart(3, '0')} of ${TOTAL}`;
  await createUsers(reader);
  const ws = await SocketUser.connect(writer);
  let sent;
  try {
    sent = await ws.sendMany(reader, Array.from({ length: TOTAL }, (_, i) => label(i + 1)));
  } finally {
    await ws.close();
  }
  // Sent several at a time: the server's order is their ids'.
  const ordered = sent.sort((x, y) => (x.id < y.id ? -1 : 1));

  const r = await stage.user(reader);
  await openConversation(r, writer);
  await expectText(messageTexts(r).last(), ordered.at(-1).text);
  const initial = await messageTexts(r).count();
  assert.ok(initial > 0 && initial < TOTAL, `only a page is shown at first (saw ${initial} of ${TOTAL})`);
  assert.equal(await message(r, ordered[0].text).count(), 0, 'the oldest message is not loaded yet');
  await expectCount(r.getByTestId('history-start'), 0);

  // Scroll the log to the top: the next (older) page comes in, and so on up to the first message.
  const counts = [initial];
  while (counts.length < 10 && (await r.getByTestId('history-start').count()) === 0) {
    const seen = counts[counts.length - 1];
    await messageLog(r).evaluate((el) => el.scrollTo({ top: 0 }));
    await eventually(async () => assert.ok((await messageTexts(r).count()) > seen, `more than ${seen} messages after scrolling up`));
    // Wait for the page to settle (no request in flight) before the next scroll.
    await expectCount(r.getByTestId('loading-older'), 0);
    counts.push(await messageTexts(r).count());
  }
  assert.ok(counts.length >= 3, `at least two older pages were loaded (counts: ${counts.join(' → ')})`);
  await expectCount(r.getByTestId('history-start'), 1);

  // All of them, oldest first, each exactly once.
  const texts = await messageTexts(r).allTextContents();
  assert.deepEqual(texts, ordered.map((m) => m.text));
  const ids = await messages(r).evaluateAll((els) => els.map((el) => el.dataset.messageId));
  assert.deepEqual(ids, ordered.map((m) => m.id), 'each once, in order');
  // The reader's place is kept: the first message is at the top only after scrolling to it.
  assert.ok(await messageLog(r).evaluate((el) => el.scrollTop > 0), 'loading older pages keeps the scroll position');
});

e2e('HTML in a message renders as text', async (stage) => {
  const alice = uniqueName('Alice');
  const bob = uniqueName('Bob');
  const payloads = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>'];
  await createUsers(alice, bob);
  const [a, b] = await stage.users(alice, bob);
  const dialogs = [];
  for (const page of [a, b]) {
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      dialog.dismiss().catch(() => {});
    });
  }

  await startConversation(a, bob);
  for (const text of payloads) {
    await composer(a).fill(text);
    await composer(a).press('Enter');
  }
  await expectTexts(messageTexts(a), payloads);
  for (const text of payloads) await expectAttribute(message(a, text), 'data-status', 'sent');
  await openConversation(b, alice);
  await expectTexts(messageTexts(b), payloads);
  // Also through the history path: reload and read them again.
  await b.reload();
  await expectTexts(messageTexts(b), payloads);

  for (const page of [a, b]) {
    const log = messageLog(page);
    assert.equal(await log.locator('img').count(), 0, 'no <img> element in the messages');
    assert.equal(await log.locator('script').count(), 0, 'no <script> element in the messages');
    for (const text of payloads) {
      const shown = await message(page, text).getByTestId('message-text').innerText();
      assert.equal(shown, text, 'the text is visible verbatim');
    }
    // An <img src=x> would have failed to load (and fired onerror) by the time the page is idle.
    await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => {});
  }
  assert.deepEqual(dialogs, [], 'no dialog was opened');
});

e2e('a user going offline shows as offline with last seen', async (stage) => {
  const alice = uniqueName('Alice');
  const bob = uniqueName('Bob');
  await createUsers(alice, bob);
  const [a, b] = await stage.users(alice, bob);

  // Presence reaches the people one has a conversation with.
  await startConversation(a, bob);
  await send(a, 'Still at the office?');
  await expectAttribute(inboxItem(a, bob), 'data-online', 'true');
  await expectText(a.getByTestId('conversation-presence'), 'Online');

  // Bob closes the browser.
  await b.context().close();

  await expectAttribute(inboxItem(a, bob), 'data-online', 'false');
  await expectAttribute(inboxItem(a, bob), 'aria-label', `${bob}, last seen just now`);
  await expectText(a.getByTestId('conversation-presence'), 'Last seen just now');

  // The profile panel tells the same.
  await a.getByTestId('profile-toggle').click();
  await expectText(a.getByTestId('profile-presence'), 'Offline');
  await expectCount(a.getByTestId('profile-last-seen'), 1);
});

e2e('a profile picture: Alice sets one, Bob sees it in his inbox, then she removes it', async (stage) => {
  const alice = uniqueName('Alice');
  const bob = uniqueName('Bob');
  const picture = tempFile('me.png', Buffer.from(PNG_BASE64, 'base64'));
  await createUsers(alice, bob);
  const [a, b] = await stage.users(alice, bob);
  // Profile changes reach the people one has a conversation with.
  await startConversation(a, bob);
  await send(a, 'New picture coming up');
  await expectAttribute(inboxItem(b, alice), 'data-online', 'true');
  await expectCount(avatarPicture(inboxItem(b, alice)), 0);

  // Alice: her profile, Change picture (validate → getUploadUrl → PUT to S3 → setAvatar).
  await a.getByRole('button', { name: `Your profile (signed in as ${alice})` }).click();
  const panel = a.getByTestId('profile-panel');
  await expectText(panel.getByRole('heading'), 'Your profile');
  const chooser = a.waitForEvent('filechooser');
  await panel.getByRole('button', { name: 'Change picture' }).click();
  await (await chooser).setFiles(picture);
  await expectText(panel.getByTestId('picture-status'), 'Profile picture updated.');
  await expectCount(panel.getByTestId('picture-error'), 0);
  await expectLoadedImage(avatarPicture(panel));
  await expectLoadedImage(avatarPicture(a.getByTestId('me')));

  // Bob: live, from the profile event, in his inbox ...
  await expectLoadedImage(avatarPicture(inboxItem(b, alice)));
  assert.equal(await avatarPicture(inboxItem(b, alice)).getAttribute('alt'), `Avatar of ${alice}`);
  // ... in the conversation, and after a reload (from getConversations).
  await openConversation(b, alice);
  await expectLoadedImage(avatarPicture(b.getByTestId('conversation').getByTestId('profile-toggle')));
  await b.reload();
  await expectSignedIn(b, bob);
  await expectLoadedImage(avatarPicture(inboxItem(b, alice)));

  // Alice removes it: Bob is back to her initials.
  await panel.getByRole('button', { name: 'Remove picture' }).click();
  await expectText(panel.getByTestId('picture-status'), 'Profile picture removed.');
  await expectCount(avatarPicture(inboxItem(b, alice)), 0);
  const [first, second] = alice.split('_');
  await expectText(inboxItem(b, alice).getByTestId('avatar'), `${first[0]}${second[0]}`.toUpperCase());

  // A file that is no picture is refused at once, without an upload.
  const chooser2 = a.waitForEvent('filechooser');
  await panel.getByRole('button', { name: 'Change picture' }).click();
  await (await chooser2).setFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
  await expectText(panel.getByTestId('picture-error'), 'notes.txt cannot be a profile picture: use a PNG, JPEG, WebP or GIF image of at most 2 MB.');
});

e2e('attachments: an image shows inline for the receiver, another file as a chip that downloads', async (stage) => {
  const alice = uniqueName('Alice');
  const bob = uniqueName('Bob');
  const picture = tempFile('tiny checks.png', Buffer.from(PNG_BASE64, 'base64'));
  await createUsers(alice, bob);
  const [a, b] = await stage.users(alice, bob);
  await startConversation(a, bob);
  await startConversation(b, alice);

  // (a) An image with a caption: attach, wait for the upload, send.
  await a.getByTestId('attach-input').setInputFiles(picture);
  const pending = a.getByTestId('pending-attachment');
  await expectText(pending.getByTestId('pending-attachment-name'), 'tiny checks.png');
  await expectAttribute(pending, 'data-status', 'ready');
  await send(a, 'A tiny picture for you');
  await expectCount(pending, 0);
  await expectLoadedImage(message(a, 'A tiny picture for you').getByTestId('attachment-image'));

  const received = message(b, 'A tiny picture for you');
  await expectAttribute(received, 'data-from', alice);
  const image = received.getByTestId('attachment-image');
  await expectLoadedImage(image);
  assert.equal(await image.getAttribute('alt'), 'tiny checks.png');
  // A button that opens the in-app viewer (messages.test.mjs), not a link to the expiring S3 URL.
  assert.equal(await received.getByTestId('attachment').evaluate((el) => el.tagName), 'BUTTON');
  assert.equal(await image.evaluate((el) => el.naturalWidth), 16);

  // (b) A text file without any text: a download chip on Bob's side.
  const notes = 'Shopping list\n- climbing chalk\n- tape\n';
  await a.getByTestId('attach-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(notes) });
  await expectAttribute(pending, 'data-status', 'ready');
  await a.getByRole('button', { name: 'Send' }).click();
  await expectCount(pending, 0);
  await expectAttribute(messages(a).last(), 'data-status', 'sent');

  const chip = messages(b).last().getByTestId('attachment');
  await expectAttribute(chip, 'data-kind', 'file');
  await expectAttribute(chip, 'aria-label', `Download notes.txt, ${Buffer.byteLength(notes)} B`);
  await expectCount(messages(b).last().getByTestId('message-text'), 0);
  const download = b.waitForEvent('download');
  await chip.click();
  const file = await download;
  assert.equal(file.suggestedFilename(), 'notes.txt');
  assert.equal(await readFile(await file.path(), 'utf8'), notes);

  // Both survive a reload (history carries the attachments).
  await b.reload();
  await expectLoadedImage(message(b, 'A tiny picture for you').getByTestId('attachment-image'));
  await expectAttribute(messages(b).last().getByTestId('attachment'), 'data-kind', 'file');

  // A type the server refuses is refused at once in the composer.
  await a.getByTestId('attach-input').setInputFiles({ name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<b>hi</b>') });
  await expectAttribute(pending, 'data-status', 'failed');
  await expectCount(a.getByTestId('pending-attachment-error'), 1);
  await a.getByRole('button', { name: 'Remove page.html' }).click();
  await expectCount(pending, 0);
});
