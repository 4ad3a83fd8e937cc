// Browser end-to-end tests of the composer (started by e2e/run.sh like chat.test.mjs): where the
// focus goes, drafts across a reload, and the emoji picker (emoji-picker-element, lazy-loaded,
// with the emoji data served by the app itself).

import assert from 'node:assert/strict';
import {
  browserTests,
  composer,
  createUsers,
  eventually,
  expectAttribute,
  expectCount,
  inboxItem,
  openConversation,
  signOut,
  SocketUser,
  startConversation,
  uniqueName,
} from './lib.mjs';

const e2e = browserTests();

/** Waits until `locator` has the focus (inside a shadow root too: its root's activeElement). */
async function expectFocused(locator, what) {
  await eventually(async () => assert.equal(await locator.evaluate((el) => el.getRootNode().activeElement === el), true, `${what} has the focus`));
}

async function expectComposerText(page, text) {
  await eventually(async () => assert.equal(await composer(page).inputValue(), text));
}

const emojiButton = (page) => page.getByRole('button', { name: 'Insert emoji' });
const picker = (page) => page.getByRole('dialog', { name: 'Emoji' });
const pickerSearch = (page) => picker(page).getByRole('combobox', { name: 'Search' });

e2e('opening a conversation, by click or Enter, puts the focus in the composer; drafts survive a reload', async (stage) => {
  const alice = uniqueName('Alice');
  const bob = uniqueName('Bob');
  const carol = uniqueName('Carol');
  await createUsers(alice);
  // Bob and Carol wrote to Alice: both are in her inbox.
  for (const name of [bob, carol]) {
    const seed = await SocketUser.connect(name);
    await seed.sendMessage(alice, `Hi from ${name}`);
    await seed.close();
  }
  const a = await stage.user(alice);

  await inboxItem(a, bob).click();
  await expectFocused(composer(a), 'the composer (after a click)');
  await a.keyboard.type('half-written for Bob');

  // From the keyboard: the inbox, Enter on a conversation.
  await inboxItem(a, carol).focus();
  await a.keyboard.press('Enter');
  await expectAttribute(a.getByTestId('conversation'), 'data-with', carol.toLowerCase());
  await expectFocused(composer(a), 'the composer (after Enter)');
  await a.keyboard.type('line one');
  await a.keyboard.press('Shift+Enter');
  await a.keyboard.type('line two');

  await a.reload();
  await expectAttribute(a.getByTestId('conversation'), 'data-with', carol.toLowerCase());
  await expectComposerText(a, 'line one\nline two');
  await openConversation(a, bob);
  await expectComposerText(a, 'half-written for Bob');

  // Signing out forgets them: the next person on this browser must not read them.
  await signOut(a);
  const stored = await a.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('chatastrophy.drafts.')));
  assert.deepEqual(stored, []);
});

e2e('the emoji picker: search, pick, arrow keys, Escape back to its button', async (stage) => {
  const alice = uniqueName('Alice');
  const bob = uniqueName('Bob');
  await createUsers(alice, bob);
  const a = await stage.user(alice);
  await startConversation(a, bob);
  await composer(a).fill('Launch ');

  // Search, then pick with the mouse: inserted at the cursor, focus back in the text.
  await emojiButton(a).click();
  await expectFocused(pickerSearch(a), 'the picker’s search box');
  await a.keyboard.type('rocket');
  await picker(a).getByRole('option', { name: '🚀, rocket' }).click();
  await expectCount(picker(a), 0);
  await expectComposerText(a, 'Launch 🚀');
  await expectFocused(composer(a), 'the composer (after a pick)');

  // Arrow keys in the search results: the second match, chosen with Enter.
  await emojiButton(a).click();
  await expectFocused(pickerSearch(a), 'the picker’s search box');
  // One input event: the results of "c" and "ca" cannot land after those of "cat".
  await pickerSearch(a).fill('cat');
  const results = picker(a).getByRole('listbox', { name: 'Search results' }).getByRole('option');
  await eventually(async () => assert.ok((await results.count()) >= 2, 'several cats'));
  const second = await results.nth(1).textContent();
  await a.keyboard.press('ArrowDown');
  await a.keyboard.press('ArrowDown');
  await expectAttribute(results.nth(1), 'aria-selected', 'true');
  await a.keyboard.press('Enter');
  await expectComposerText(a, `Launch 🚀${second}`);

  // Arrow keys in the grid: down from the empty search box, right to the next emoji, Enter.
  await emojiButton(a).click();
  await expectFocused(pickerSearch(a), 'the picker’s search box');
  const grid = picker(a).getByRole('menu').first().getByRole('menuitem');
  await eventually(async () => assert.ok((await grid.count()) > 2, 'the grid shows emoji'));
  await a.keyboard.press('ArrowDown');
  await expectFocused(grid.nth(0), 'the first emoji');
  await a.keyboard.press('ArrowRight');
  await expectFocused(grid.nth(1), 'the second emoji');
  const picked = await grid.nth(1).textContent();
  await a.keyboard.press('Enter');
  await expectComposerText(a, `Launch 🚀${second}${picked}`);

  // Escape closes it and gives the focus back to its button.
  await emojiButton(a).click();
  await expectFocused(pickerSearch(a), 'the picker’s search box');
  await a.keyboard.press('Escape');
  await expectCount(picker(a), 0);
  await expectFocused(emojiButton(a), 'the emoji button');
  await expectAttribute(emojiButton(a), 'aria-expanded', 'false');
});
