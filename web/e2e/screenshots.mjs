// Screenshots for the README, light mode: a room open next to the inbox on a desktop (1280x800),
// and at phone width (390x844, 2x) the inbox and the same room. run.sh runs this on a fresh data
// store before the tests, so the inbox and the directory hold only the people made here. Writes to
// SCREENSHOT_DIR (default: e2e/artifacts/screenshots; `npm run e2e:screenshots` writes docs/screenshots/);
// the desktop room in dark mode (a toolbar hovered) and the phone's message actions go to
// e2e/artifacts/screenshots/ only, for a look.
//
//   conversation-desktop.png   inbox-phone.png   conversation-phone.png

import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  ARTIFACTS,
  expectAttribute,
  expectText,
  inboxItem,
  launchChromium,
  messageTexts,
  openRoom,
  roomItem,
  SocketUser,
  Stage,
} from './lib.mjs';

const outDir = resolve(process.env.SCREENSHOT_DIR ?? join(ARTIFACTS, 'screenshots'));
mkdirSync(outDir, { recursive: true });

/**
 * A time zone where it is now early evening: the times shown (the server's, in the browser's zone)
 * then suit a chat about tonight, whenever the pictures are taken.
 */
function eveningTimeZone(hour = 18) {
  const offset = ((hour - new Date().getUTCHours() + 36) % 24) - 12; // -12..+11 hours from UTC
  return offset === 0 ? 'Etc/UTC' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

const me = 'Maya';
const people = ['Jonas', 'Lena', 'Priya', 'Omar', 'Sam', 'Ines'];

const browser = await launchChromium();
const stage = new Stage(browser, 'docs screenshots');
const sockets = {};
let failed = false;
try {
  for (const name of [me, ...people]) sockets[name] = await SocketUser.connect(name);
  const say = (from, to, text) => sockets[from].sendMessage(to, text);

  // Older direct conversations (read), oldest first: they sit lower in the inbox.
  const bike = await say('Omar', me, 'The bike is fixed, you can pick it up any time this week.');
  await sockets[me].markRead('Omar', bike.id);
  await say('Priya', me, 'Here is the draft of my talk, I would love your eyes on it.');
  await say(me, 'Priya', 'Thanks! I’ll read it tonight.');
  await say('Lena', me, 'Did you book the campsite for June?');
  await say(me, 'Lena', 'Yes, two nights at Lakeside 🏕️');

  // A room with three unread messages.
  const bookClub = await sockets.Priya.createRoom('Book club', [me, 'Omar', 'Ines']);
  await say('Priya', bookClub, 'Next month: “The Left Hand of Darkness”?');
  await say('Ines', bookClub, 'Yes please, I’ve wanted to read it for ages.');
  await say('Omar', bookClub, 'Chapter 12 of this one had me in tears though 😭');

  // The room on screen: three people, the newest message Maya's, read by the two others; with
  // reactions (Maya's own 👍 among them), a reply quoting Lena and an edited message.
  const crew = await sockets.Jonas.createRoom('Climbing crew', [me, 'Lena']);
  const post = (from, text, options) => sockets[from].sendMessage(crew, text, options);
  const wall = await post('Jonas', 'Bouldering tonight? The new wall at the gym just opened 🧗');
  const chalk = await post('Lena', 'I’m in! Can someone bring chalk? I ran out.');
  await post(me, 'I have a spare bag, I’ll bring it.', { replyTo: chalk.id });
  const meet = await post('Jonas', 'Perfect. Meet at the entrance at 6:30?');
  const booking = await post('Lena', 'Works for me. I’ll book the wall for 7:15: https://example.com/gym/booking');
  await sockets.Jonas.editMessage(crew, meet.id, 'Perfect. Meet at the entrance at 7?');
  const last = await post(me, 'See you at 7! 🙌');
  await sockets.Lena.react(crew, wall.id, '👍');
  await sockets[me].react(crew, wall.id, '👍');
  await sockets.Lena.react(crew, wall.id, '🔥');
  await sockets[me].react(crew, booking.id, '🙏');
  await sockets.Jonas.react(crew, last.id, '❤️');
  await sockets.Jonas.markRead(crew, last.id);
  await sockets.Lena.markRead(crew, last.id);

  // The newest: Sam, unread. Sam and Lena stay online; the others come and go.
  await say('Sam', me, 'Coffee tomorrow before work?');
  for (const name of [me, 'Jonas', 'Priya', 'Omar', 'Ines']) await sockets[name].close();

  const shots = [
    { viewport: { width: 1280, height: 800 }, scale: 1, inbox: null, room: 'conversation-desktop.png' },
    { viewport: { width: 390, height: 844 }, scale: 2, inbox: 'inbox-phone.png', room: 'conversation-phone.png' },
  ];
  for (const { viewport, scale, inbox, room } of shots) {
    const phone = viewport.width < 768;
    const page = await stage.user(me, { viewport, deviceScaleFactor: scale, isMobile: phone, hasTouch: phone, timezoneId: eveningTimeZone() });
    await expectAttribute(inboxItem(page, 'Sam'), 'data-online', 'true');
    await expectAttribute(inboxItem(page, 'Lena'), 'data-online', 'true');
    await expectText(inboxItem(page, 'Sam').getByTestId('unread-badge'), '1');
    await expectText(roomItem(page, bookClub).getByTestId('unread-badge'), '3');
    const shoot = async (file) => {
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: join(outDir, file), animations: 'disabled' });
      console.log(`  wrote ${join(outDir, file)}`);
    };
    if (inbox) await shoot(inbox);

    await openRoom(page, crew);
    await expectText(messageTexts(page).last(), 'See you at 7! 🙌');
    await expectText(page.getByTestId('message-edited'), 'edited');
    await expectText(page.getByTestId('message-quote-text'), 'I’m in! Can someone bring chalk? I ran out.');
    await expectText(page.getByTestId('read-by-receipt'), 'Read by 2');
    await page.getByRole('textbox', { name: 'Message', exact: true }).blur();
    await page.getByTestId('message-log').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await shoot(room);
    // For a look, never committed (the artifacts only): the desktop room in dark mode with a
    // message's toolbar (hovered), and on the phone a message's actions opened by its "⋯".
    const look = join(resolve(ARTIFACTS), 'screenshots', phone ? 'conversation-phone-actions.png' : 'conversation-desktop-dark.png');
    mkdirSync(dirname(look), { recursive: true });
    const chalkMessage = page.getByTestId('message').filter({ hasText: 'Can someone bring chalk?' }).first();
    if (phone) {
      await chalkMessage.getByRole('button', { name: 'Show message actions' }).click();
      await chalkMessage.getByRole('button', { name: 'React', exact: true }).click();
    } else {
      await page.emulateMedia({ colorScheme: 'dark' });
      await chalkMessage.hover();
    }
    await page.screenshot({ path: look, animations: 'disabled' });
    console.log(`  wrote ${look}`);
    await page.context().close();
  }
} catch (error) {
  failed = true;
  console.error(`screenshots failed: ${error.stack ?? error}`);
  await stage.screenshots();
} finally {
  for (const ws of Object.values(sockets)) await ws.close().catch(() => {});
  await stage.close();
  await browser.close();
}
process.exitCode = failed ? 1 : 0;
