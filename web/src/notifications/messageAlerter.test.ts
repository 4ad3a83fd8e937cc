import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatClient } from '../protocol/client';
import { directConversation } from '../protocol/conversations';
import { ChatSession, type TransportFactory } from '../state/session';
import { FakeSocket, fakeSocketFactory, FakeTokens, flushMicrotasks, msg } from '../test/fakes';
import { conversationTag } from './alertRules';
import { MessageAlerter, TONE_GAP_MS } from './messageAlerter';
import { NotificationPrefs, type NotificationApi, type PrefsStorage } from './notificationPrefs';

const withBob = directConversation('alice', 'Bob');
const withCarol = directConversation('alice', 'Carol');

const transport: TransportFactory = (options, handlers) =>
  new ChatClient({ ...options, ...handlers, createSocket: fakeSocketFactory, random: () => 0 });

/** A stand-in for the browser's Notification: records what was shown and closed. */
class FakeNotification {
  static permission: NotificationPermission = 'granted';
  static requestPermission = async () => FakeNotification.permission;
  static shown: FakeNotification[] = [];
  onclick: ((event: Event) => void) | null = null;
  closed = false;
  constructor(
    readonly title: string,
    readonly options: NotificationOptions = {},
  ) {
    FakeNotification.shown.push(this);
  }
  close() {
    this.closed = true;
  }
}

const memoryStorage = (): PrefsStorage => {
  const items = new Map<string, string>();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
};

async function setup() {
  let t = 10_000;
  const session = new ChatSession({
    websocketUrl: 'ws://127.0.0.1:8707/local',
    accessToken: new FakeTokens(() => t).source,
    createTransport: transport,
    now: () => t,
  });
  const prefs = new NotificationPrefs({ storage: memoryStorage(), api: FakeNotification as unknown as NotificationApi });
  let visible = true;
  const playTone = vi.fn();
  const focusWindow = vi.fn();
  const openConversation = vi.fn();
  const alerter = new MessageAlerter({ session, prefs, isTabVisible: () => visible, playTone, focusWindow, openConversation, now: () => t });
  const stop = alerter.start();
  session.start('alice');
  await flushMicrotasks();
  const socket = FakeSocket.last();
  socket.open();
  session.openConversation(withBob);
  return {
    session,
    prefs,
    socket,
    playTone,
    focusWindow,
    openConversation,
    stop,
    hide: (hidden = true) => void (visible = !hidden),
    advance: (ms: number) => void (t += ms),
    shown: () => FakeNotification.shown.map((n) => ({ title: n.title, body: n.options.body, tag: n.options.tag })),
  };
}

beforeEach(() => {
  FakeSocket.reset();
  FakeNotification.shown = [];
  FakeNotification.permission = 'granted';
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('MessageAlerter', () => {
  it('shows one notification for a live message in a conversation not on screen', async () => {
    const { socket, shown } = await setup();
    socket.receive({ type: 'message', message: msg('Carol', 'alice', 20_000, 'Are you coming?') });
    expect(shown()).toEqual([{ title: 'Carol', body: 'Are you coming?', tag: conversationTag(withCarol.id) }]);
  });

  it('does not notify for the open conversation in a visible tab, but does once the tab is hidden', async () => {
    const { socket, shown, hide } = await setup();
    socket.receive({ type: 'message', message: msg('Bob', 'alice', 20_000, 'seen on screen') });
    expect(shown()).toEqual([]);
    hide();
    socket.receive({ type: 'message', message: msg('Bob', 'alice', 21_000, 'while away') });
    expect(shown()).toEqual([{ title: 'Bob', body: 'while away', tag: conversationTag(withBob.id) }]);
  });

  it('does not notify for my own message sent from another tab', async () => {
    const { socket, shown, hide } = await setup();
    hide();
    socket.receive({ type: 'message', message: msg('alice', 'Carol', 20_000, 'from my phone') });
    expect(shown()).toEqual([]);
  });

  it('does not notify for history pages (resync, scrolling back)', async () => {
    const { socket, shown, hide } = await setup();
    hide();
    socket.receive({ type: 'messages', conversationId: withCarol.id, with: 'Carol', messages: [msg('Carol', 'alice', 20_000, 'old news')], nextCursor: null });
    expect(shown()).toEqual([]);
  });

  it('notifies once for a message delivered twice', async () => {
    const { socket, shown } = await setup();
    const m = msg('Carol', 'alice', 20_000, 'twice');
    socket.receive({ type: 'message', message: m });
    socket.receive({ type: 'message', message: m });
    expect(shown()).toHaveLength(1);
  });

  it('shows nothing without permission', async () => {
    FakeNotification.permission = 'denied';
    const { socket, shown } = await setup();
    socket.receive({ type: 'message', message: msg('Carol', 'alice', 20_000, 'hello?') });
    expect(shown()).toEqual([]);
  });

  it('a click focuses the window, opens the conversation and closes the notification', async () => {
    const { socket, focusWindow, openConversation } = await setup();
    socket.receive({ type: 'message', message: msg('Carol', 'alice', 20_000, 'click me') });
    const [notification] = FakeNotification.shown;
    notification!.onclick!(new Event('click'));
    expect(focusWindow).toHaveBeenCalledTimes(1);
    expect(openConversation).toHaveBeenCalledWith({ kind: 'direct', with: 'Carol' });
    expect(notification!.closed).toBe(true);
  });

  it('closes a conversation’s notification when the conversation is opened', async () => {
    const { socket, session } = await setup();
    socket.receive({ type: 'message', message: msg('Carol', 'alice', 20_000, 'read me') });
    expect(FakeNotification.shown[0]!.closed).toBe(false);
    session.openConversation(withCarol);
    expect(FakeNotification.shown[0]!.closed).toBe(true);
  });

  it('plays the sound only when switched on, once per burst', async () => {
    const { socket, prefs, playTone, advance } = await setup();
    socket.receive({ type: 'message', message: msg('Carol', 'alice', 20_000, 'quiet') });
    expect(playTone).not.toHaveBeenCalled();
    prefs.setSoundOn(true);
    socket.receive({ type: 'message', message: msg('Carol', 'alice', 21_000, 'one') });
    advance(TONE_GAP_MS - 1);
    socket.receive({ type: 'message', message: msg('Carol', 'alice', 22_000, 'two') });
    expect(playTone).toHaveBeenCalledTimes(1);
    advance(1);
    socket.receive({ type: 'message', message: msg('Carol', 'alice', 23_000, 'three') });
    expect(playTone).toHaveBeenCalledTimes(2);
  });

  it('marks the moment the user sends a first message (to offer notifications then)', async () => {
    const { session, prefs } = await setup();
    expect(prefs.getSnapshot().hasSent).toBe(false);
    session.sendMessage(withBob, 'hello');
    expect(prefs.getSnapshot().hasSent).toBe(true);
  });

  it('stops listening when stopped', async () => {
    const { socket, shown, stop } = await setup();
    stop();
    socket.receive({ type: 'message', message: msg('Carol', 'alice', 20_000, 'after stop') });
    expect(shown()).toEqual([]);
  });
});

describe('MessageAlerter in rooms', () => {
  it('names the room in the title, and a click opens the room', async () => {
    const { socket, openConversation } = await setup();
    const ROOM = 'room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6';
    socket.receive({ type: 'room', room: { conversationId: ROOM, name: 'Project', memberCount: 3, createdBy: 'Bob', createdAt: 1 } });
    socket.receive({ type: 'message', message: { ...msg('Carol', 'x', 20_000, 'standup?'), conversationId: ROOM, to: undefined } });
    const [notification] = FakeNotification.shown;
    expect(notification!.title).toBe('Carol in Project');
    notification!.onclick!(new Event('click'));
    expect(openConversation).toHaveBeenCalledWith({ kind: 'room', id: ROOM });
  });
});
