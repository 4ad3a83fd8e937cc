// Browser end-to-end tests of the message lifecycle (issue #15), in a room of two users through
// the UI: an edit seen live ("edited"), reactions counted for both, a reply quoting a message (the
// quote follows an edit of the original), a deletion after a confirmation (a tombstone for the
// other user, its quote too), and "is typing…" until the typer's message arrives.

import assert from 'node:assert/strict';
import {
  attr,
  browserTests,
  composer,
  createUsers,
  eventually,
  expectAttribute,
  expectCount,
  expectText,
  expectTexts,
  message,
  messageTexts,
  openRoom,
  send,
  SocketUser,
  uniqueName,
} from './lib.mjs';

const e2e = browserTests();

/** The message whose id is `id` in the open conversation. */
const byId = (page, id) => page.getByTestId('conversation').locator(`[data-testid="message"][data-message-id="${id}"]`);

/** Opens a message's actions (hovering it, as a mouse does) and presses one of them. */
async function act(page, target, action) {
  await target.hover();
  await target.getByRole('toolbar', { name: 'Message actions' }).getByRole('button', { name: action, exact: true }).click();
}

e2e('a room of two: edit, react, reply, delete and typing, live for the other', async (stage) => {
  const alice = uniqueName('Alice');
  const bob = uniqueName('Bob');
  await createUsers(alice, bob);
  const owner = await SocketUser.connect(alice);
  const room = await owner.createRoom('Lifecycle', [bob]);
  await owner.close();
  const [a, b] = await stage.users(alice, bob);
  await openRoom(a, room);
  await openRoom(b, room);

  // Alice sends, then edits in place: Bob sees the new text and "edited".
  await send(a, 'See you at 6');
  const first = await attr(message(a, 'See you at 6'), 'data-message-id');
  await expectTexts(messageTexts(b), ['See you at 6']);
  await act(a, byId(a, first), 'Edit');
  const edit = a.getByRole('textbox', { name: 'Edit message' });
  await eventually(async () => assert.equal(await edit.inputValue(), 'See you at 6'));
  // Escape cancels; the text stays.
  await edit.press('Escape');
  await expectCount(a.getByRole('textbox', { name: 'Edit message' }), 0);
  await act(a, byId(a, first), 'Edit');
  await a.getByRole('textbox', { name: 'Edit message' }).fill('See you at 7');
  await a.getByRole('textbox', { name: 'Edit message' }).press('Enter');
  for (const page of [a, b]) {
    await expectText(byId(page, first).getByTestId('message-text'), 'See you at 7');
    await expectText(byId(page, first).getByTestId('message-edited'), 'edited');
    assert.match((await attr(byId(page, first).getByTestId('message-edited'), 'title')) ?? '', /^Edited /);
  }

  // Bob reacts 👍 from the quick row: Alice sees 1; her click on the chip makes it 2 (pressed for her).
  await act(b, byId(b, first), 'React');
  await byId(b, first).getByRole('button', { name: 'React with 👍' }).click();
  const thumbsB = byId(b, first).getByTestId('reaction').filter({ hasText: '👍' });
  await expectAttribute(thumbsB, 'aria-pressed', 'true');
  const thumbsA = byId(a, first).getByTestId('reaction').filter({ hasText: '👍' });
  await expectAttribute(thumbsA, 'data-count', '1');
  await expectAttribute(thumbsA, 'aria-pressed', 'false');
  await thumbsA.click();
  await expectAttribute(thumbsA, 'aria-pressed', 'true');
  for (const chip of [thumbsA, thumbsB]) await expectAttribute(chip, 'data-count', '2');
  await expectText(thumbsB, '👍2');
  // Bob takes his back: 1, still Alice's.
  await thumbsB.click();
  await expectAttribute(thumbsB, 'aria-pressed', 'false');
  for (const chip of [thumbsA, thumbsB]) await expectAttribute(chip, 'data-count', '1');

  // Bob replies: the quote bar above the composer, then the quote in the message for both.
  await act(b, byId(b, first), 'Reply');
  await expectText(b.getByTestId('reply-bar-text'), 'See you at 7');
  await expectFocused(composer(b));
  await send(b, 'Perfect, I will bring snacks');
  await expectCount(b.getByTestId('reply-bar'), 0);
  const reply = await attr(message(b, 'Perfect, I will bring snacks'), 'data-message-id');
  for (const page of [a, b]) {
    await expectText(byId(page, reply).getByTestId('message-quote-text'), 'See you at 7');
    await expectAttribute(byId(page, reply).getByTestId('message-quote'), 'data-quoted-id', first);
  }

  // Alice edits the original again: the quote follows for both.
  await act(a, byId(a, first), 'Edit');
  await a.getByRole('textbox', { name: 'Edit message' }).fill('See you at 8, sorry');
  await a.getByRole('textbox', { name: 'Edit message' }).press('Enter');
  for (const page of [a, b]) await expectText(byId(page, reply).getByTestId('message-quote-text'), 'See you at 8, sorry');

  // Bob cannot edit or delete Alice's message (no owner or admin), but can reply and react.
  await byId(b, first).hover();
  const bobTools = byId(b, first).getByRole('toolbar', { name: 'Message actions' });
  await expectCount(bobTools.getByRole('button', { name: 'Edit', exact: true }), 0);
  await expectCount(bobTools.getByRole('button', { name: 'Delete', exact: true }), 0);

  // Alice deletes it after the confirmation (Cancel first: nothing happens).
  await act(a, byId(a, first), 'Delete');
  const dialog = a.getByRole('dialog', { name: 'Delete this message?' });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expectCount(dialog, 0);
  await expectAttribute(byId(a, first), 'data-deleted', null);
  await act(a, byId(a, first), 'Delete');
  await a.getByTestId('delete-message-dialog-confirm').click();
  await expectCount(a.getByRole('dialog', { name: 'Delete this message?' }), 0);
  for (const page of [a, b]) {
    await expectText(byId(page, first).getByTestId('message-deleted'), 'Message deleted');
    await expectCount(byId(page, first).getByTestId('reaction'), 0);
    await expectText(byId(page, reply).getByTestId('message-quote-text'), 'Message deleted');
  }

  // Typing: Bob types, Alice sees it; it goes when his message arrives. He types for more than 3 s:
  // the server forwards one signal per 3 s, and his reply's may be less than 3 s old.
  await composer(b).pressSequentially('On my wa', { delay: 450 });
  await expectText(a.getByTestId('typing-indicator'), `${bob} is typing…`);
  await expectText(b.getByTestId('typing-indicator'), '');
  await composer(b).pressSequentially('y');
  await composer(b).press('Enter');
  await expectTexts(messageTexts(a).last(), ['On my way']);
  await eventually(async () => assert.equal(await a.getByTestId('typing-indicator').textContent(), ''));
});

/** Waits until `locator` has the focus. */
async function expectFocused(locator) {
  await eventually(async () => assert.ok(await locator.evaluate((el) => el === document.activeElement), `${locator} has the focus`));
}
