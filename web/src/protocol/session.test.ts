import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket, fakeSocketFactory, msg } from '../test/fakes';
import { ChatClient } from './client';
import { ChatSession, USERNAME_STORAGE_KEY, type KeyValueStorage, type TransportFactory } from './session';

class MemoryStorage implements KeyValueStorage {
  readonly map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

const transport: TransportFactory = (url, handlers, options) =>
  new ChatClient({ url, ...handlers, ...options, createSocket: fakeSocketFactory, random: () => 0 });

function makeSession(storage = new MemoryStorage()) {
  let n = 0;
  let t = 10_000;
  const session = new ChatSession({
    websocketUrl: 'ws://127.0.0.1:8707/local',
    createTransport: transport,
    storage,
    newId: () => `cmid-${++n}`,
    now: () => (t += 1000),
  });
  return { session, storage, state: () => session.store.getState() };
}

/** Signs in and opens the socket; returns it. */
function online(session: ChatSession, name = 'alice') {
  expect(session.signIn(name)).toBeNull();
  const socket = FakeSocket.last();
  socket.open();
  socket.receive({ type: 'clients', users: [{ username: 'alice', online: true }, { username: 'Bob', online: true }] });
  return socket;
}

beforeEach(() => {
  FakeSocket.reset();
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('sign-in', () => {
  it('validates the username as the server does before connecting', () => {
    const { session, state } = makeSession();
    expect(session.signIn('bad name!')).toMatch(/1–32 characters/);
    expect(FakeSocket.instances).toHaveLength(0);
    expect(state().signInError).toMatch(/1–32 characters/);
  });

  it('connects with the username in the query, remembers it once accepted', () => {
    const { session, storage, state } = makeSession();
    session.signIn('a.b-c');
    expect(FakeSocket.last().url).toBe('ws://127.0.0.1:8707/local?username=a.b-c');
    expect(state()).toMatchObject({ me: 'a.b-c', connection: 'connecting', signingIn: true });
    expect(storage.getItem(USERNAME_STORAGE_KEY)).toBeNull();
    FakeSocket.last().open();
    expect(state()).toMatchObject({ connection: 'online', signingIn: false });
    expect(storage.getItem(USERNAME_STORAGE_KEY)).toBe('a.b-c');
    expect(FakeSocket.last().actions()).toEqual([{ action: 'getClients' }]);
  });

  it('shows a refused $connect (socket closed before opening) inline, and does not remember the name', () => {
    const { session, storage, state } = makeSession();
    session.signIn('taken');
    FakeSocket.last().serverClose(1006);
    expect(state()).toMatchObject({ me: null, connection: 'signedOut' });
    expect(state().signInError).toContain('Could not connect as “taken”');
    expect(storage.map.size).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('restores a remembered user and signs out', () => {
    const storage = new MemoryStorage();
    storage.setItem(USERNAME_STORAGE_KEY, 'alice');
    const { session, state } = makeSession(storage);
    expect(session.restore()).toBe(true);
    FakeSocket.last().serverClose(1006); // server down: keep trying, do not bounce to the form
    expect(state().me).toBe('alice');
    vi.advanceTimersByTime(1000);
    FakeSocket.last().open();
    expect(state().connection).toBe('online');
    session.signOut();
    expect(storage.getItem(USERNAME_STORAGE_KEY)).toBeNull();
    expect(state().me).toBeNull();
    expect(FakeSocket.last().closedWith?.code).toBe(1000);
  });
});

describe('conversations', () => {
  it('opening a conversation loads its newest page once; scrolling up asks with the cursor', () => {
    const { session, state } = makeSession();
    const socket = online(session);
    session.openConversation('Bob');
    session.openConversation('Bob');
    expect(socket.actions().slice(1)).toEqual([{ action: 'getMessages', with: 'Bob', limit: 50 }]);
    expect(session.loadOlder('Bob')).toBe(false); // nothing loaded yet
    socket.receive({ type: 'messages', with: 'Bob', messages: [msg('Bob', 'alice', 5)], nextCursor: 'CURSOR-1' });
    expect(session.loadOlder('bob')).toBe(true);
    expect(session.loadOlder('bob')).toBe(false); // already loading
    expect(socket.actions().at(-1)).toEqual({ action: 'getMessages', with: 'Bob', limit: 50, cursor: 'CURSOR-1' });
    socket.receive({ type: 'messages', with: 'Bob', messages: [msg('Bob', 'alice', 1)], nextCursor: null });
    expect(state().conversations.bob!.messages).toHaveLength(2);
    expect(session.loadOlder('bob')).toBe(false); // reached the first message
  });

  it('sends optimistically with a clientMessageId; the ack confirms it', () => {
    const { session, state } = makeSession();
    const socket = online(session);
    const out = session.sendMessage('Bob', '  hi Bob  ');
    expect(out).toMatchObject({ clientMessageId: 'cmid-1', text: 'hi Bob', status: 'pending' });
    expect(socket.actions().at(-1)).toEqual({ action: 'sendMessage', to: 'Bob', text: 'hi Bob', clientMessageId: 'cmid-1' });
    expect(session.sendMessage('Bob', '   ')).toBeNull();
    expect(session.sendMessage('Bob', 'x'.repeat(4001))).toBeNull();
    socket.receive({ type: 'messageAck', duplicate: false, message: msg('alice', 'Bob', 20_000, 'hi Bob', { clientMessageId: 'cmid-1' }) });
    expect(state().outbox).toEqual({});
    expect(state().conversations.bob!.messages[0]!.text).toBe('hi Bob');
  });

  it('a refused message is marked failed; retry re-sends it with the same clientMessageId', () => {
    const { session, state } = makeSession();
    const socket = online(session);
    session.sendMessage('Bob', 'hello');
    socket.receive({ type: 'error', code: 'service_unavailable', message: 'try again', action: 'sendMessage', clientMessageId: 'cmid-1' });
    expect(state().outbox['cmid-1']!.status).toBe('failed');
    session.retry('cmid-1');
    expect(state().outbox['cmid-1']!.status).toBe('pending');
    const sends = socket.actions().filter((a) => a.action === 'sendMessage');
    expect(sends).toEqual([
      { action: 'sendMessage', to: 'Bob', text: 'hello', clientMessageId: 'cmid-1' },
      { action: 'sendMessage', to: 'Bob', text: 'hello', clientMessageId: 'cmid-1' },
    ]);
  });
});

describe('reconnect', () => {
  it('resyncs people and the open conversation, and re-sends the outbox with the same clientMessageId', () => {
    const { session, state } = makeSession();
    const first = online(session);
    session.openConversation('Bob');
    const hello = msg('Bob', 'alice', 5, 'hello Alice');
    first.receive({ type: 'messages', with: 'Bob', messages: [hello], nextCursor: null });
    session.sendMessage('Bob', 'one'); // sent, never acknowledged
    first.serverClose(1001, 'Going away'); // API Gateway's 2-hour cut
    expect(state().connection).toBe('reconnecting');
    session.sendMessage('Bob', 'two'); // composed while disconnected
    expect(state().outbox['cmid-2']!.status).toBe('pending');
    vi.advanceTimersByTime(500);
    const second = FakeSocket.last();
    expect(second).not.toBe(first);
    second.open();
    expect(state().connection).toBe('online');
    expect(second.actions()).toEqual([
      { action: 'getClients' },
      { action: 'getMessages', with: 'Bob', limit: 50 },
      { action: 'sendMessage', to: 'Bob', text: 'one', clientMessageId: 'cmid-1' },
      { action: 'sendMessage', to: 'Bob', text: 'two', clientMessageId: 'cmid-2' },
    ]);
    // The server already had "one": it answers duplicate; nothing is shown twice.
    const one = msg('alice', 'Bob', 11_000, 'one', { clientMessageId: 'cmid-1' });
    second.receive({ type: 'messages', with: 'Bob', messages: [one, hello], nextCursor: null });
    second.receive({ type: 'messageAck', duplicate: true, message: one });
    second.receive({ type: 'messageAck', duplicate: false, message: msg('alice', 'Bob', 12_000, 'two', { clientMessageId: 'cmid-2' }) });
    expect(state().outbox).toEqual({});
    expect(state().conversations.bob!.messages.map((m) => m.text)).toEqual(['hello Alice', 'one', 'two']);
  });

  it('does not re-send failed messages, and refreshes conversations seen but not open', () => {
    const { session, state } = makeSession();
    const first = online(session);
    first.receive({ type: 'message', message: msg('carol', 'alice', 5) });
    session.sendMessage('Bob', 'nope');
    first.receive({ type: 'error', code: 'unknown_recipient', message: 'no Bob', action: 'sendMessage', clientMessageId: 'cmid-1' });
    first.serverClose();
    vi.advanceTimersByTime(500);
    FakeSocket.last().open();
    expect(FakeSocket.last().actions()).toEqual([
      { action: 'getClients' },
      { action: 'getMessages', with: 'carol', limit: 50 },
    ]);
    expect(state().outbox['cmid-1']!.status).toBe('failed');
  });

  it('unknown_connection reconnects at once and re-sends the message', () => {
    const { session } = makeSession();
    const first = online(session);
    session.sendMessage('Bob', 'hello');
    first.receive({ type: 'error', code: 'unknown_connection', message: 'who?', action: 'sendMessage', clientMessageId: 'cmid-1' });
    const second = FakeSocket.last();
    expect(second).not.toBe(first);
    second.open();
    expect(second.actions()).toContainEqual({ action: 'sendMessage', to: 'Bob', text: 'hello', clientMessageId: 'cmid-1' });
  });
});
