// Screenshots of a conversation for the README: one desktop (1280x800) and one phone-width
// (390x844), light mode. run.sh runs this on a fresh data store before the tests, so the people list
// holds only the people made here. Writes to SCREENSHOT_DIR (default: e2e/artifacts/screenshots;
// `npm run e2e:screenshots` writes docs/screenshots/ instead).
//
//   conversation-desktop.png   conversation-phone.png

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ARTIFACTS,
  createUsers,
  expectAttribute,
  expectText,
  launchChromium,
  messageTexts,
  openConversation,
  person,
  send,
  SocketUser,
  Stage,
} from './lib.mjs';

const outDir = resolve(process.env.SCREENSHOT_DIR ?? join(ARTIFACTS, 'screenshots'));
mkdirSync(outDir, { recursive: true });

// Meant for a fresh data store (run.sh runs this first): the people list then holds only these.
const me = 'Maya';
const friend = 'Jonas';
const conversation = [
  [friend, 'Hey Maya! Are we still on for the climbing gym tonight?'],
  [me, 'Yes! 7 pm works for me.'],
  [me, 'Should I bring the spare harness for Lena?'],
  [friend, 'That would be great, she forgot hers last time 😅'],
  [friend, 'Also, the new bouldering wall opened this week: https://example.com/climbing/new-wall'],
  [me, 'Nice, let’s try the blue route first.\nI’ve heard it’s a tricky one.'],
];

const browser = await launchChromium();
const stage = new Stage(browser, 'docs screenshots');
const sockets = [];
let failed = false;
try {
  // Other people in the list: three who came and left (offline, last seen), Sam who stays online.
  await createUsers('Priya', 'Lena', 'Omar');
  const sam = await SocketUser.connect('Sam');
  sockets.push(sam);
  await createUsers(me);

  // The conversation itself, sent over the WebSocket as each of them, in order.
  const jonas = await SocketUser.connect(friend);
  sockets.push(jonas);
  const maya = await SocketUser.connect(me);
  for (const [from, text] of conversation) await (from === me ? maya : jonas).sendMessage(from === me ? friend : me, text);
  await maya.close();

  const shots = [
    { file: 'conversation-desktop.png', viewport: { width: 1280, height: 800 }, scale: 1, unread: 'Did anyone see my keys?' },
    { file: 'conversation-phone.png', viewport: { width: 390, height: 844 }, scale: 2, unread: 'Coffee tomorrow?' },
  ];
  const lastLine = 'See you at 7!';
  let sentFromBrowser = false;
  for (const { file, viewport, scale, unread } of shots) {
    const phone = viewport.width < 768;
    const page = await stage.user(me, { viewport, deviceScaleFactor: scale, isMobile: phone, hasTouch: phone });
    await expectAttribute(person(page, friend), 'data-online', 'true');
    await openConversation(page, friend);
    await expectText(messageTexts(page).last(), sentFromBrowser ? lastLine : conversation.at(-1)[1]);
    // Maya writes one more from the browser (a real send and ack) ...
    if (!sentFromBrowser) {
      await send(page, lastLine);
      // Sending is when the app offers notifications; the pictures show the conversation without that bar.
      await page.getByTestId('dismiss-notifications').click();
    }
    sentFromBrowser = true;
    // ... Sam's message lands as unread, and a draft waits in the composer.
    await sam.sendMessage(me, unread);
    await expectText(person(page, 'Sam').getByTestId('unread-badge'), '1');
    const box = page.getByRole('textbox', { name: 'Message', exact: true });
    await box.fill('Can’t wait');
    await box.blur();
    await page.evaluate(() => document.fonts.ready);
    await page.getByTestId('message-log').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await page.screenshot({ path: join(outDir, file), animations: 'disabled' });
    console.log(`  wrote ${join(outDir, file)}`);
    await page.context().close();
  }
} catch (error) {
  failed = true;
  console.error(`screenshots failed: ${error.stack ?? error}`);
  await stage.screenshots();
} finally {
  for (const ws of sockets) await ws.close().catch(() => {});
  await stage.close();
  await browser.close();
}
process.exitCode = failed ? 1 : 0;
