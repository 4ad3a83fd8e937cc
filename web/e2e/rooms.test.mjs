// Browser end-to-end tests of rooms and the inbox (issue #14): three users in a room made through
// the UI (New room, member search), live messages to all, the members panel (roles, presence), a
// removed member losing the room; read receipts ("Seen", "Read by N"); one user's two tabs, where
// a badge read in one goes in the other (readState); and people search starting a conversation.

import assert from 'node:assert/strict';
import {
  attr,
  browserTests,
  createUsers,
  eventually,
  expectAttribute,
  expectCount,
  expectReadState,
  expectText,
  expectTexts,
  inboxItem,
  key,
  message,
  messageTexts,
  openConversation,
  openRoom,
  receivedEvents,
  roomItem,
  send,
  SocketUser,
  startConversation,
  uniqueName,
} from './lib.mjs';

const e2e = browserTests();

e2e('three users in a room made through the UI: live messages, members with roles and presence, "Read by", a removed member loses it', async (stage) => {
  const olivia = uniqueName('Olivia');
  const pablo = uniqueName('Pablo');
  const quinn = uniqueName('Quinn');
  await createUsers(olivia, pablo, quinn); // signing in is quicker than signing up
  const [o, p, q] = await stage.users(olivia, pablo, quinn);

  // Olivia: New room, a name, two members found by a prefix of their names.
  await o.getByRole('button', { name: 'New room' }).click();
  const dialog = o.getByRole('dialog', { name: 'New room' });
  await dialog.getByLabel('Room name').fill('Weekend trip');
  for (const name of [pablo, quinn]) {
    await dialog.getByTestId('member-search').fill(name.slice(0, -2));
    await dialog.getByTestId(`member-result-${key(name)}`).click();
    await expectCount(dialog.getByTestId(`picked-${key(name)}`), 1);
  }
  await dialog.getByTestId('create-room').click();
  await expectCount(dialog, 0);

  // The room opens for her; it is in every member's inbox.
  const conversation = o.getByTestId('conversation');
  await expectAttribute(conversation, 'data-kind', 'room');
  await expectText(conversation.getByTestId('conversation-title'), 'Weekend trip');
  await expectText(conversation.getByTestId('conversation-members'), '3 members');
  const room = `room#${await attr(conversation, 'data-room')}`;
  for (const page of [o, p, q]) await expectAttribute(roomItem(page, room), 'aria-label', 'Weekend trip, room, 3 members');
  await openRoom(p, room);
  await openRoom(q, room);

  // Messages reach all three live.
  await send(o, 'Who is in for the lake on Saturday?');
  await send(p, 'Me! I can drive.');
  await send(q, 'Count me in 🚣');
  const all = ['Who is in for the lake on Saturday?', 'Me! I can drive.', 'Count me in 🚣'];
  for (const page of [o, p, q]) await expectTexts(messageTexts(page), all);
  await expectAttribute(message(p, 'Count me in 🚣'), 'data-from', quinn);

  // Olivia's message is read by both once they see it: "Read by 2" (their read points, from getMembers).
  await send(o, 'Great, leaving at 9.');
  const leaving = await attr(message(o, 'Great, leaving at 9.'), 'data-message-id');
  await expectReadState(p, leaving);
  await expectReadState(q, leaving);

  // The members panel: roles and presence (and, opened, the members' read points again).
  await o.getByRole('button', { name: /^Members/ }).click();
  const panel = o.getByTestId('members-panel');
  await expectText(panel.getByTestId('members-count'), '(3)');
  await expectAttribute(panel.getByTestId(`member-${key(olivia)}`), 'data-role', 'owner');
  await expectText(panel.getByTestId(`member-${key(olivia)}`).getByTestId('role-badge'), 'Owner');
  for (const name of [pablo, quinn]) {
    await expectAttribute(panel.getByTestId(`member-${key(name)}`), 'data-role', 'member');
    await expectAttribute(panel.getByTestId(`member-${key(name)}`), 'data-presence', 'online');
    await expectCount(panel.getByTestId(`member-${key(name)}`).getByTestId('role-badge'), 0);
  }
  const readBy = message(o, 'Great, leaving at 9.').getByTestId('read-by-receipt');
  await expectText(readBy, 'Read by 2');
  await expectAttribute(readBy, 'data-count', '2');

  // Quinn closes the app, then comes back (the stored session): the panel follows, live.
  await q.close();
  await expectAttribute(panel.getByTestId(`member-${key(quinn)}`), 'data-presence', 'offline');
  const quinnBack = await stage.tab(q, `${quinn}-back`);
  await openRoom(quinnBack, room);
  await expectAttribute(panel.getByTestId(`member-${key(quinn)}`), 'data-presence', 'online');

  // Olivia removes Quinn: the room leaves Quinn's inbox and view, with a notice; nothing more reaches Quinn.
  await panel.getByRole('button', { name: `Actions for ${quinn}` }).click();
  await panel.getByTestId('remove-member').click();
  await o.getByTestId('remove-member-dialog-confirm').click();
  await expectText(panel.getByTestId('members-status'), `${quinn} removed.`);
  await expectCount(panel.getByTestId(`member-${key(quinn)}`), 0);
  await expectText(panel.getByTestId('members-count'), '(2)');
  await expectText(o.getByTestId('conversation-members'), '2 members');

  await expectCount(roomItem(quinnBack, room), 0);
  await expectCount(quinnBack.getByTestId('conversation'), 0);
  await expectText(quinnBack.getByTestId('notice'), new RegExp(`^You were removed from “Weekend trip” by ${olivia}\\.`));
  await expectAttribute(roomItem(p, room), 'aria-label', 'Weekend trip, room, 2 members');

  await send(o, 'Just the two of us then.');
  await expectText(messageTexts(p).last(), 'Just the two of us then.');
  assert.equal(
    receivedEvents(quinnBack).some((e) => e.type === 'message' && e.message.text === 'Just the two of us then.'),
    false,
    'the removed member gets no more messages',
  );
});

e2e('read state: "Seen" when the other user reads; an unread badge read in one tab goes in the other', async (stage) => {
  const alice = uniqueName('Alice');
  const bob = uniqueName('Bob');
  await createUsers(alice, bob);
  const [a1, b] = await stage.users(alice, bob);
  const a2 = await stage.tab(a1, `${alice}-tab2`);

  // Bob writes first (people search): the conversation comes to both of Alice's tabs, unread.
  await startConversation(b, alice);
  await send(b, 'Are you free tonight?');
  for (const tab of [a1, a2]) {
    await expectText(inboxItem(tab, bob).getByTestId('unread-badge'), '1');
    await eventually(async () => assert.equal(await tab.title(), '(1) Chatastrophy'));
  }
  await expectCount(message(b, 'Are you free tonight?').getByTestId('seen-receipt'), 0);

  // Alice reads it in the first tab: the badge goes there, and in the other tab by readState.
  await openConversation(a1, bob);
  await expectCount(inboxItem(a1, bob).getByTestId('unread-badge'), 0);
  await expectCount(inboxItem(a2, bob).getByTestId('unread-badge'), 0);
  await eventually(async () => assert.equal(await a2.title(), 'Chatastrophy'));
  await expectCount(a2.getByTestId('conversation'), 0);
  // Bob sees that she read it.
  await expectText(message(b, 'Are you free tonight?').getByTestId('seen-receipt'), 'Seen');

  // Her answer: "Seen" moves to it once Bob, who has it on screen, reads it.
  await send(a1, 'Yes! Dinner at 8?');
  await expectText(message(a1, 'Yes! Dinner at 8?').getByTestId('seen-receipt'), 'Seen');
});

e2e('people search: a prefix finds people (any case), a pick starts a direct conversation', async (stage) => {
  const prefix = uniqueName('Ti').replace('_', '');
  const [tim, tina, other] = [`${prefix}_tim`, `${prefix}_Tina`, uniqueName('Uma')];
  await createUsers(tim, other);
  const tinaSocket = await SocketUser.connect(tina);
  try {
    const u = await stage.user(other);
    const search = u.getByRole('searchbox', { name: 'Search people' });
    const results = u.getByTestId('people-results');

    await search.fill(prefix.toUpperCase());
    await expectCount(results.getByRole('button', { name: /^Message / }), 2);
    await expectCount(results.getByRole('button', { name: `Message ${tim}`, exact: true }), 1);
    await search.fill(`${prefix}_ti`.toLowerCase() + 'x');
    await expectCount(results.getByTestId('people-results-empty'), 1);

    // Tina: picked from the results, her conversation opens; the first message puts it in both inboxes.
    await search.fill(`${prefix}_tin`);
    await results.getByRole('button', { name: `Message ${tina}`, exact: true }).click();
    await expectAttribute(u.getByTestId('conversation'), 'data-with', key(tina));
    await expectCount(results, 0);
    await expectCount(inboxItem(u, tina), 0);
    const received = tinaSocket.next((e) => e.type === 'message' && e.message.text === 'Hi Tina, found you!', 'the message');
    await send(u, 'Hi Tina, found you!');
    await received;
    await expectText(inboxItem(u, tina).getByTestId('inbox-preview'), 'You: Hi Tina, found you!');
    await expectAttribute(inboxItem(u, tina), 'aria-current', 'true');
  } finally {
    await tinaSocket.close();
  }
});
