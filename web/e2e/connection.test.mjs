// Browser end-to-end tests of the connection indicator: it must not say "Online" when nothing
// works. The server is frozen for real (SIGSTOP to the local gateway, whose pid run.sh exports as
// E2E_GATEWAY_PID; always resumed in a `finally`, so the other tests never meet a frozen gateway),
// and the browser is taken offline with Playwright's network emulation.

import assert from 'node:assert/strict';
import {
  attr,
  browserTests,
  composer,
  connectionStatus,
  createUsers,
  eventually,
  expectAttribute,
  expectCount,
  message,
  inboxItem,
  openConversation,
  SocketUser,
  uniqueName,
} from './lib.mjs';

const e2e = browserTests();

/** The bound: a dead socket shows within 5 s of a message waiting on it. */
const NOTICED_WITHIN_MS = 5_000;

/** Alice in the browser with Bob (a WebSocket from Node, so online), who wrote to her, in her inbox. */
async function aliceWithBobOnline(stage) {
  const alice = uniqueName('Alice');
  const bob = await SocketUser.connect(uniqueName('Bob'));
  await createUsers(alice); // signing in is quicker than signing up through the UI
  await bob.sendMessage(alice, 'Hi Alice');
  const page = await stage.user(alice);
  await expectAttribute(inboxItem(page, bob.username), 'data-online', 'true');
  return { page, bob };
}

/** Neither the inbox nor the conversation header says Bob is online. */
async function expectNotShownOnline(page, name) {
  assert.equal(await attr(inboxItem(page, name), 'data-online'), 'false', `${name} in the inbox`);
  assert.doesNotMatch((await attr(inboxItem(page, name), 'aria-label')) ?? '', /online/);
  const header = page.getByTestId('conversation-presence');
  if ((await header.count()) > 0) assert.notEqual(await header.textContent(), 'Online', 'the conversation header');
}

e2e('a frozen server: reconnecting within 5 s while a message is pending, then online and the message delivered once', async (stage) => {
  const gatewayPid = Number(process.env.E2E_GATEWAY_PID);
  assert.ok(gatewayPid > 0, 'E2E_GATEWAY_PID: the local gateway, exported by e2e/run.sh');
  const { page, bob } = await aliceWithBobOnline(stage);
  try {
    await openConversation(page, bob.username);
    const text = 'Are you still there?';
    const received = bob.next((e) => e.type === 'message' && e.message.text === text, 'the message');
    received.catch(() => {}); // awaited below; a failure before then is reported as it is
    await composer(page).fill(text);

    process.kill(gatewayPid, 'SIGSTOP');
    try {
      const sentAt = Date.now();
      await composer(page).press('Enter');
      await eventually(
        async () => assert.match((await attr(connectionStatus(page), 'data-state')) ?? '', /^(reconnecting|offline)$/, 'the indicator'),
        { timeout: NOTICED_WITHIN_MS - (Date.now() - sentAt) },
      );
      assert.equal(await attr(message(page, text), 'data-status'), 'pending');
      await expectNotShownOnline(page, bob.username);
    } finally {
      process.kill(gatewayPid, 'SIGCONT');
    }

    await expectAttribute(connectionStatus(page), 'data-state', 'online');
    await expectAttribute(message(page, text), 'data-status', 'sent');
    await expectCount(message(page, text), 1);
    await received;
    // Bob's presence comes back from the server's fresh answer.
    await expectAttribute(inboxItem(page, bob.username), 'data-online', 'true');
  } finally {
    await bob.close();
  }
});

e2e('the browser offline: not online within a second, and contacts not online; back online, online again', async (stage) => {
  const { page, bob } = await aliceWithBobOnline(stage);
  try {
    await openConversation(page, bob.username);
    await page.context().setOffline(true);
    try {
      await eventually(async () => assert.notEqual(await attr(connectionStatus(page), 'data-state'), 'online', 'the indicator'), { timeout: 1_000 });
      await expectNotShownOnline(page, bob.username);
    } finally {
      await page.context().setOffline(false);
    }
    await expectAttribute(connectionStatus(page), 'data-state', 'online');
    await expectAttribute(inboxItem(page, bob.username), 'data-online', 'true');
  } finally {
    await bob.close();
  }
});
