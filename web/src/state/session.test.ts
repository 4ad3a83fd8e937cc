import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MediaError } from '../media/upload';
import { ChatClient, PROBE_TIMEOUT_MS, SUBPROTOCOL } from '../protocol/client';
import { directConversation } from '../protocol/conversations';
import type { ClientAction } from '../protocol/frames';
import { REFRESH_BEFORE_EXPIRY_MS } from '../protocol/tokens';
import { FakeSocket, fakeSocketFactory, FakeTokens, flushMicrotasks, msg } from '../test/fakes';
import type { ConversationView } from '../protocol/frames';
import { selectInbox } from './appState';
import { ANSWER_TIMEOUT_MS, ChatSession, SESSION_ENDED_MESSAGE, UNANSWERED_SEND_PROBE_MS, type TransportFactory } from './session';

// Alice's direct conversations.
const withBob = directConversation('alice', 'Bob');
const withCarol = directConversation('alice', 'carol');
const BOB = withBob.id;
const CAROL = withCarol.id;

const transport: TransportFactory = (options, handlers) =>
  new ChatClient({ ...options, ...handlers, createSocket: fakeSocketFactory, random: () => 0 });

function makeSession(fetchImpl?: typeof fetch) {
  let n = 0;
  let t = 10_000;
  const tokens = new FakeTokens(() => t);
  const session = new ChatSession({
    websocketUrl: 'ws://127.0.0.1:8707/local',
    accessToken: tokens.source,
    createTransport: transport,
    newId: () => `cmid-${++n}`,
    now: () => (t += 1000),
    fetch: fetchImpl,
  });
  return { session, tokens, state: () => session.store.getState() };
}

/** The inbox request of the resync. */
const INBOX = { action: 'getConversations', limit: 20, requestId: expect.any(String) };

/** Alice's inbox item of a direct conversation. */
const dm = (username: string, online: boolean, extra: Partial<ConversationView> = {}): ConversationView => ({
  conversationId: directConversation('alice', username).id,
  kind: 'direct',
  with: { username, online },
  lastActivityAt: 0,
  unread: 0,
  unreadMore: false,
  ...extra,
});

/** Answers the last request of `action` the socket sent. */
function answer(socket: FakeSocket, action: string, event: Record<string, unknown>) {
  const request = socket.actions().filter((a) => a.action === action).at(-1) as { requestId: string } | undefined;
  if (!request) throw new Error(`no ${action} was sent`);
  socket.receive({ ...event, requestId: request.requestId });
}

function answerInbox(socket: FakeSocket, conversations: ConversationView[] = [dm('Bob', true)], nextCursor: string | null = null) {
  answer(socket, 'getConversations', { type: 'conversations', conversations, nextCursor });
}

/** Starts the chat as `name` and opens the socket (the inbox lists Bob, online); returns it. */
async function online(session: ChatSession, name = 'alice') {
  session.start(name);
  await flushMicrotasks();
  const socket = FakeSocket.last();
  socket.open();
  answerInbox(socket);
  await flushMicrotasks();
  return socket;
}

beforeEach(() => {
  FakeSocket.reset();
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('session life', () => {
  it('starts as the signed-in user and connects with their access token, not their name', async () => {
    const { session, state } = makeSession();
    session.start('a.b-c');
    expect(state()).toMatchObject({ me: 'a.b-c', connection: 'connecting' });
    await flushMicrotasks();
    expect(FakeSocket.last().url).toBe('ws://127.0.0.1:8707/local');
    expect(FakeSocket.last().protocols).toEqual([SUBPROTOCOL, 'jwt-1']);
    FakeSocket.last().open();
    expect(state()).toMatchObject({ connection: 'online' });
    expect(FakeSocket.last().actions()).toEqual([INBOX]);
  });

  it('keeps trying while the server cannot be reached, then signs out and closes the socket', async () => {
    const { session, state } = makeSession();
    session.start('alice');
    await flushMicrotasks();
    FakeSocket.last().serverClose(1006); // server down: keep trying, do not bounce to the form
    expect(state().me).toBe('alice');
    await vi.advanceTimersByTimeAsync(1000);
    FakeSocket.last().open();
    expect(state().connection).toBe('online');
    session.signOut();
    expect(state().me).toBeNull();
    expect(state().signedOutReason).toBeNull();
    expect(FakeSocket.last().closedWith?.code).toBe(1000);
  });

  it('a reconnect whose token cannot be renewed ends the session with a message', async () => {
    const { session, tokens, state } = makeSession();
    const socket = await online(session);
    tokens.ended(); // refresh token revoked ("sign out everywhere") or expired
    socket.serverClose(1001, 'Going away');
    await vi.advanceTimersByTimeAsync(1000);
    expect(state()).toMatchObject({ me: null, connection: 'signedOut', signedOutReason: SESSION_ENDED_MESSAGE });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('a background refresh that finds no session (revoked elsewhere) closes the open socket and signs out', async () => {
    const tokens = new FakeTokens();
    // Pings unanswered by the fake socket would replace it meanwhile: no keepalive here.
    const quiet: TransportFactory = (options, handlers) =>
      new ChatClient({ ...options, ...handlers, createSocket: fakeSocketFactory, keepaliveMs: 24 * 60 * 60 * 1000 });
    const session = new ChatSession({ websocketUrl: 'ws://test/local', accessToken: tokens.source, createTransport: quiet });
    const socket = await online(session);
    tokens.ended();
    await vi.advanceTimersByTimeAsync(60 * 60 * 1000 - REFRESH_BEFORE_EXPIRY_MS);
    expect(tokens.calls).toEqual([{ forceRefresh: false }, { forceRefresh: true }]);
    expect(session.store.getState()).toMatchObject({ me: null, signedOutReason: SESSION_ENDED_MESSAGE });
    expect(socket.closedWith?.code).toBe(1000);
    expect(FakeSocket.instances).toHaveLength(1);
  });
});

describe('conversations', () => {
  it('opening a conversation loads its newest page once; scrolling up asks with the cursor', async () => {
    const { session, state } = makeSession();
    const socket = await online(session);
    session.openConversation(withBob);
    session.openConversation(withBob);
    expect(socket.actions().slice(1)).toEqual([{ action: 'getMessages', conversationId: BOB, limit: 50 }]);
    expect(session.loadOlder(BOB)).toBe(false); // nothing loaded yet
    socket.receive({ type: 'messages', conversationId: BOB, with: 'Bob', messages: [msg('Bob', 'alice', 5)], nextCursor: 'CURSOR-1' });
    expect(session.loadOlder(BOB)).toBe(true);
    expect(session.loadOlder(BOB)).toBe(false); // already loading
    expect(socket.actions().at(-1)).toEqual({ action: 'getMessages', conversationId: BOB, limit: 50, cursor: 'CURSOR-1' });
    socket.receive({ type: 'messages', conversationId: BOB, with: 'Bob', messages: [msg('Bob', 'alice', 1)], nextCursor: null });
    expect(state().conversations[BOB]!.messages).toHaveLength(2);
    expect(session.loadOlder(BOB)).toBe(false); // reached the first message
  });

  it('sends optimistically with a clientMessageId; the ack confirms it', async () => {
    const { session, state } = makeSession();
    const socket = await online(session);
    const out = session.sendMessage(withBob, '  hi Bob  ');
    expect(out).toMatchObject({ clientMessageId: 'cmid-1', text: 'hi Bob', status: 'pending' });
    expect(socket.actions().at(-1)).toEqual({ action: 'sendMessage', conversationId: BOB, text: 'hi Bob', clientMessageId: 'cmid-1' });
    expect(session.sendMessage(withBob, '   ')).toBeNull();
    expect(session.sendMessage(withBob, 'x'.repeat(4001))).toBeNull();
    socket.receive({ type: 'messageAck', duplicate: false, message: msg('alice', 'Bob', 20_000, 'hi Bob', { clientMessageId: 'cmid-1' }) });
    expect(state().outbox).toEqual({});
    expect(state().conversations[BOB]!.messages[0]!.text).toBe('hi Bob');
  });

  it('sends one message at a time, oldest first, so the server stores them in the order written', async () => {
    const { session, state } = makeSession();
    const socket = await online(session);
    const sends = () => socket.actions().filter((a) => a.action === 'sendMessage').map((a) => 'text' in a && a.text);
    session.sendMessage(withBob, 'one');
    session.sendMessage(withBob, 'two');
    session.sendMessage(withCarol, 'three');
    expect(sends()).toEqual(['one']);
    expect(state().outbox['cmid-2']!.status).toBe('pending');
    socket.receive({ type: 'messageAck', duplicate: false, message: msg('alice', 'Bob', 20_000, 'one', { clientMessageId: 'cmid-1' }) });
    expect(sends()).toEqual(['one', 'two']);
    // A refusal is an answer too: the next goes, the refused one waits for the user.
    socket.receive({ type: 'error', code: 'unknown_recipient', message: 'no Bob', action: 'sendMessage', clientMessageId: 'cmid-2' });
    expect(sends()).toEqual(['one', 'two', 'three']);
    expect(state().outbox['cmid-2']!.status).toBe('failed');
  });

  it('a message left unanswered is sent again with the same clientMessageId, then the next', async () => {
    const { session } = makeSession();
    const socket = await online(session);
    const sends = () => socket.actions().filter((a) => a.action === 'sendMessage').map((a) => 'clientMessageId' in a && a.clientMessageId);
    session.sendMessage(withBob, 'one');
    session.sendMessage(withBob, 'two');
    // The socket is alive (it answers the probe): the server lost the message.
    vi.advanceTimersByTime(UNANSWERED_SEND_PROBE_MS);
    socket.receive({ type: 'pong' });
    vi.advanceTimersByTime(ANSWER_TIMEOUT_MS - UNANSWERED_SEND_PROBE_MS - 1);
    expect(sends()).toEqual(['cmid-1']);
    vi.advanceTimersByTime(1);
    expect(sends()).toEqual(['cmid-1', 'cmid-1']);
    socket.receive({ type: 'messageAck', duplicate: true, message: msg('alice', 'Bob', 20_000, 'one', { clientMessageId: 'cmid-1' }) });
    expect(sends()).toEqual(['cmid-1', 'cmid-1', 'cmid-2']);
  });

  it('a refused message is marked failed; retry re-sends it with the same clientMessageId', async () => {
    const { session, state } = makeSession();
    const socket = await online(session);
    session.sendMessage(withBob, 'hello');
    socket.receive({ type: 'error', code: 'service_unavailable', message: 'try again', action: 'sendMessage', clientMessageId: 'cmid-1' });
    expect(state().outbox['cmid-1']!.status).toBe('failed');
    session.retry('cmid-1');
    expect(state().outbox['cmid-1']!.status).toBe('pending');
    const sends = socket.actions().filter((a) => a.action === 'sendMessage');
    expect(sends).toEqual([
      { action: 'sendMessage', conversationId: BOB, text: 'hello', clientMessageId: 'cmid-1' },
      { action: 'sendMessage', conversationId: BOB, text: 'hello', clientMessageId: 'cmid-1' },
    ]);
  });
});

describe('reconnect', () => {
  it('resyncs people and the open conversation, and re-sends the outbox with the same clientMessageId', async () => {
    const { session, state } = makeSession();
    const first = await online(session);
    session.openConversation(withBob);
    const hello = msg('Bob', 'alice', 5, 'hello Alice');
    first.receive({ type: 'messages', conversationId: BOB, with: 'Bob', messages: [hello], nextCursor: null });
    session.sendMessage(withBob, 'one'); // sent, never acknowledged
    first.serverClose(1001, 'Going away'); // API Gateway's 2-hour cut
    expect(state().connection).toBe('reconnecting');
    session.sendMessage(withBob, 'two'); // composed while disconnected
    expect(state().outbox['cmid-2']!.status).toBe('pending');
    await vi.advanceTimersByTimeAsync(500);
    const second = FakeSocket.last();
    expect(second).not.toBe(first);
    second.open();
    expect(state().connection).toBe('online');
    expect(second.actions()).toEqual([
      INBOX,
      { action: 'getMessages', conversationId: BOB, limit: 50 },
      { action: 'sendMessage', conversationId: BOB, text: 'one', clientMessageId: 'cmid-1' },
    ]);
    // The server already had "one": the page shows it, which confirms it, and "two" goes next.
    const one = msg('alice', 'Bob', 11_000, 'one', { clientMessageId: 'cmid-1' });
    second.receive({ type: 'messages', conversationId: BOB, with: 'Bob', messages: [one, hello], nextCursor: null });
    expect(second.actions().at(-1)).toEqual({ action: 'sendMessage', conversationId: BOB, text: 'two', clientMessageId: 'cmid-2' });
    // Its duplicate ack changes nothing; nothing is shown twice.
    second.receive({ type: 'messageAck', duplicate: true, message: one });
    second.receive({ type: 'messageAck', duplicate: false, message: msg('alice', 'Bob', 12_000, 'two', { clientMessageId: 'cmid-2' }) });
    expect(state().outbox).toEqual({});
    expect(state().conversations[BOB]!.messages.map((m) => m.text)).toEqual(['hello Alice', 'one', 'two']);
  });

  it('does not re-send failed messages, and refreshes conversations seen but not open', async () => {
    const { session, state } = makeSession();
    const first = await online(session);
    first.receive({ type: 'message', message: msg('carol', 'alice', 5) });
    session.sendMessage(withBob, 'nope');
    first.receive({ type: 'error', code: 'unknown_recipient', message: 'no Bob', action: 'sendMessage', clientMessageId: 'cmid-1' });
    first.serverClose();
    await vi.advanceTimersByTimeAsync(500);
    FakeSocket.last().open();
    expect(FakeSocket.last().actions()).toEqual([
      INBOX,
      { action: 'getMessages', conversationId: CAROL, limit: 50 },
    ]);
    expect(state().outbox['cmid-1']!.status).toBe('failed');
  });

  it('unknown_connection reconnects at once and re-sends the message', async () => {
    const { session } = makeSession();
    const first = await online(session);
    session.sendMessage(withBob, 'hello');
    first.receive({ type: 'error', code: 'unknown_connection', message: 'who?', action: 'sendMessage', clientMessageId: 'cmid-1' });
    await flushMicrotasks();
    const second = FakeSocket.last();
    expect(second).not.toBe(first);
    second.open();
    expect(second.actions()).toContainEqual({ action: 'sendMessage', conversationId: BOB, text: 'hello', clientMessageId: 'cmid-1' });
  });
});

describe('a connection that tells the truth', () => {
  const pings = (socket: FakeSocket) => socket.actions().filter((a) => a.action === 'ping').length;
  const presences = (state: ReturnType<ChatSession['store']['getState']>) => selectInbox(state).map((e) => `${e.item.name.toLowerCase()}:${e.presence}`);

  it('a send left unanswered probes the socket; a dead one shows reconnecting within seconds, and the message goes once after the reconnect', async () => {
    const { session, state } = makeSession();
    const first = await online(session);
    session.openConversation(withBob);
    first.receive({ type: 'messages', conversationId: BOB, with: 'Bob', messages: [], nextCursor: null });
    session.sendMessage(withBob, 'anyone there?');
    vi.advanceTimersByTime(UNANSWERED_SEND_PROBE_MS - 1);
    expect(pings(first)).toBe(0);
    vi.advanceTimersByTime(1);
    expect(pings(first)).toBe(1);
    expect(state().connection).toBe('online');
    vi.advanceTimersByTime(PROBE_TIMEOUT_MS);
    expect(UNANSWERED_SEND_PROBE_MS + PROBE_TIMEOUT_MS).toBeLessThan(5000);
    expect(state().connection).toBe('reconnecting');
    expect(state().outbox['cmid-1']!.status).toBe('pending');
    // The server is back: the message goes on the new socket, once.
    await vi.advanceTimersByTimeAsync(500);
    const second = FakeSocket.last();
    expect(second).not.toBe(first);
    second.open();
    expect(state().connection).toBe('online');
    const sent = second.actions().filter((a) => a.action === 'sendMessage');
    expect(sent).toEqual([{ action: 'sendMessage', conversationId: BOB, text: 'anyone there?', clientMessageId: 'cmid-1' }]);
    // The frozen server had stored it from the old socket: the ack says duplicate; it shows once.
    second.receive({ type: 'messageAck', duplicate: true, message: msg('alice', 'Bob', 20_000, 'anyone there?', { clientMessageId: 'cmid-1' }) });
    expect(state().outbox).toEqual({});
    expect(state().conversations[BOB]!.messages.map((m) => m.text)).toEqual(['anyone there?']);
  });

  it('a send answered in time costs no extra frame', async () => {
    const { session } = makeSession();
    const socket = await online(session);
    session.sendMessage(withBob, 'hi');
    vi.advanceTimersByTime(UNANSWERED_SEND_PROBE_MS - 1);
    socket.receive({ type: 'messageAck', duplicate: false, message: msg('alice', 'Bob', 20_000, 'hi', { clientMessageId: 'cmid-1' }) });
    vi.advanceTimersByTime(60_000);
    expect(pings(socket)).toBe(0);
    expect(session.store.getState().connection).toBe('online');
  });

  it('the tab shown again probes the socket', async () => {
    const { session, state } = makeSession();
    const socket = await online(session);
    session.wake();
    expect(pings(socket)).toBe(1);
    vi.advanceTimersByTime(PROBE_TIMEOUT_MS);
    expect(state().connection).toBe('reconnecting');
  });

  it('the offline event shows offline at once; back online, online again', async () => {
    const { session, state } = makeSession();
    const first = await online(session);
    session.setNetworkAvailable(false);
    expect(state().connection).toBe('offline');
    expect(first.closedWith).not.toBeNull();
    session.setNetworkAvailable(true);
    await flushMicrotasks();
    FakeSocket.last().open();
    expect(FakeSocket.instances).toHaveLength(2);
    expect(state().connection).toBe('online');
  });

  it('nobody shows online while we are disconnected; the resync\'s inbox tells again', async () => {
    const { session, state } = makeSession();
    session.start('alice');
    await flushMicrotasks();
    const first = FakeSocket.last();
    first.open();
    answerInbox(first, [dm('Bob', true, { lastActivityAt: 2 }), dm('carol', true, { lastActivityAt: 1 })]);
    await flushMicrotasks();
    first.receive({ type: 'presence', user: { username: 'carol', online: false, lastSeen: 5_000 } });
    expect(presences(state())).toEqual(['bob:online', 'carol:offline']);
    first.serverClose(1006);
    expect(state().connection).toBe('reconnecting');
    expect(state().users.bob!.online).toBe(false);
    expect(presences(state())).toEqual(['bob:unknown', 'carol:unknown']);
    expect(state().users.carol!.lastSeen).toBe(5_000);
    await vi.advanceTimersByTimeAsync(500);
    const second = FakeSocket.last();
    second.open();
    // Open, but the people's presence is not known until the server says.
    expect(presences(state())).toEqual(['bob:unknown', 'carol:unknown']);
    expect(second.actions()[0]).toEqual(INBOX);
    answerInbox(second, [dm('Bob', true, { lastActivityAt: 2 }), { ...dm('carol', false, { lastActivityAt: 1 }), with: { username: 'carol', online: false, lastSeen: 5_000 } }]);
    await flushMicrotasks();
    expect(presences(state())).toEqual(['bob:online', 'carol:offline']);
  });
});

describe('media', () => {
  const png = () => new File([new Uint8Array(48)], 'cat.png', { type: 'image/png' });
  const flush = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  /** The last action of a kind the socket sent. */
  const lastOf = <K extends ClientAction['action']>(socket: FakeSocket, action: K) =>
    socket.actions().filter((a) => a.action === action).at(-1) as Extract<ClientAction, { action: K }> & { requestId: string };
  const uploadAnswer = (requestId: string, purpose: 'avatar' | 'attachment', key: string, expiresAt = Date.now() + 300_000) => ({
    type: 'uploadUrl',
    requestId,
    purpose,
    key,
    url: `https://s3.test/${key}?X-Amz-Signature=abc`,
    method: 'PUT',
    headers: { 'content-type': 'image/png' },
    contentType: 'image/png',
    size: 48,
    expiresAt,
  });

  it('uploads an attachment (getUploadUrl, then PUT exactly as told) and sends it; a retry keeps the clientMessageId and the key', async () => {
    const fetchMock = vi.fn(async (_url: string | URL | Request, _init?: RequestInit) => new Response(null, { status: 200 }));
    const { session, state } = makeSession(fetchMock as unknown as typeof fetch);
    const socket = await online(session);
    const file = png();
    const uploading = session.uploadAttachment(BOB, file);
    await flush();
    const ask = lastOf(socket, 'getUploadUrl');
    expect(ask).toMatchObject({ action: 'getUploadUrl', purpose: 'attachment', conversationId: BOB, contentType: 'image/png', size: 48 });
    const key = 'attachments/dm/alice/bob/alice/01J.png';
    socket.receive(uploadAnswer(ask.requestId, 'attachment', key));
    const attachment = await uploading;
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(`https://s3.test/${key}?X-Amz-Signature=abc`);
    expect(init).toMatchObject({ method: 'PUT', headers: { 'content-type': 'image/png' } });
    expect(init!.body).toBe(file);
    expect(attachment).toEqual({ key, name: 'cat.png', contentType: 'image/png', size: 48 });

    expect(session.sendMessage(withBob, '  ', attachment)).toMatchObject({ clientMessageId: 'cmid-1', text: '', attachment });
    const sent = lastOf(socket, 'sendMessage');
    expect(sent).toEqual({ action: 'sendMessage', conversationId: BOB, text: '', clientMessageId: 'cmid-1', attachment });
    socket.receive({ type: 'error', code: 'service_unavailable', message: 'later', action: 'sendMessage', clientMessageId: 'cmid-1' });
    expect(state().outbox['cmid-1']!.status).toBe('failed');
    session.retry('cmid-1');
    expect(lastOf(socket, 'sendMessage')).toEqual(sent);
    // Without an attachment an empty text is still refused.
    expect(session.sendMessage(withBob, '  ')).toBeNull();
  });

  it('refuses a file the server would refuse without asking it', async () => {
    const { session } = makeSession();
    const socket = await online(session);
    const before = socket.sent.length;
    const html = new File(['<b>x</b>'], 'page.html', { type: 'text/html' });
    await expect(session.uploadAttachment(BOB, html)).rejects.toMatchObject({ code: 'unsupported_media_type' });
    const big = new File([new Uint8Array(2 * 1024 * 1024 + 1)], 'big.png', { type: 'image/png' });
    await expect(session.changeAvatar(big)).rejects.toMatchObject({ code: 'file_too_large', message: expect.stringMatching(/at most 2 MB/) });
    expect(socket.sent.length).toBe(before);
  });

  it('reports a server refusal, a failed PUT and an expired URL clearly', async () => {
    let status = 500;
    const fetchMock = vi.fn(async () => new Response(null, { status }));
    const { session } = makeSession(fetchMock as unknown as typeof fetch);
    const socket = await online(session);

    const refused = session.uploadAttachment(BOB, png());
    await flush();
    socket.receive({ type: 'error', code: 'invalid_recipient', message: 'yourself', action: 'getUploadUrl', requestId: lastOf(socket, 'getUploadUrl').requestId });
    await expect(refused).rejects.toEqual(new MediaError('invalid_recipient', 'You cannot send a file to yourself.'));

    const failing = session.uploadAttachment(BOB, png());
    await flush();
    socket.receive(uploadAnswer(lastOf(socket, 'getUploadUrl').requestId, 'attachment', 'attachments/dm/alice/bob/alice/1.png'));
    await expect(failing).rejects.toMatchObject({ code: 'upload_http_500', message: 'The upload failed: storage answered HTTP 500. Try again.' });

    // 403 after expiresAt: a fresh URL once, then "expired".
    status = 403;
    const expiring = session.uploadAttachment(BOB, png());
    await flush();
    socket.receive(uploadAnswer(lastOf(socket, 'getUploadUrl').requestId, 'attachment', 'attachments/dm/alice/bob/alice/2.png', 0));
    await flush();
    socket.receive(uploadAnswer(lastOf(socket, 'getUploadUrl').requestId, 'attachment', 'attachments/dm/alice/bob/alice/3.png', 0));
    await expect(expiring).rejects.toMatchObject({ code: 'upload_expired' });
    expect(socket.actions().filter((a) => a.action === 'getUploadUrl')).toHaveLength(4);

    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    const network = session.uploadAttachment(BOB, png());
    await flush();
    socket.receive(uploadAnswer(lastOf(socket, 'getUploadUrl').requestId, 'attachment', 'attachments/dm/alice/bob/alice/4.png'));
    await expect(network).rejects.toMatchObject({ code: 'upload_network' });

    const dropped = session.uploadAttachment(BOB, png());
    await flush();
    socket.serverClose(1006);
    await expect(dropped).rejects.toMatchObject({ code: 'disconnected' });
  });

  it('changes the profile picture: upload, setAvatar, the profile answer updates me; remove sets null', async () => {
    const fetchMock = vi.fn(async () => new Response(null, { status: 200 }));
    const { session, state } = makeSession(fetchMock as unknown as typeof fetch);
    const socket = await online(session);
    const changing = session.changeAvatar(png());
    await flush();
    const ask = lastOf(socket, 'getUploadUrl');
    expect(ask).toMatchObject({ purpose: 'avatar', contentType: 'image/png', size: 48 });
    expect(ask).not.toHaveProperty('to');
    socket.receive(uploadAnswer(ask.requestId, 'avatar', 'avatars/alice/01J.png'));
    await flush();
    const set = lastOf(socket, 'setAvatar');
    expect(set).toMatchObject({ action: 'setAvatar', key: 'avatars/alice/01J.png' });
    socket.receive({ type: 'profile', requestId: set.requestId, user: { username: 'alice', online: true, avatarKey: 'avatars/alice/01J.png' } });
    await changing;
    expect(state().users.alice!.avatarKey).toBe('avatars/alice/01J.png');

    const removing = session.removeAvatar();
    let removed = false;
    void removing.then(() => (removed = true));
    const unset = lastOf(socket, 'setAvatar');
    expect(unset).toMatchObject({ key: null });
    // A profile event without requestId is a broadcast (another user's change, or mine made on
    // another connection): it updates the store but does not answer the request.
    socket.receive({ type: 'profile', user: { username: 'Bob', online: true, avatarKey: 'avatars/bob/1.png' } });
    socket.receive({ type: 'profile', user: { username: 'alice', online: true } });
    await flush();
    expect(removed).toBe(false);
    expect(state().users.bob!.avatarKey).toBe('avatars/bob/1.png');
    expect(state().users.alice!.avatarKey).toBeUndefined();
    socket.receive({ type: 'profile', user: { username: 'alice', online: true, avatarKey: 'avatars/alice/02J.png' } });
    expect(state().users.alice!.avatarKey).toBe('avatars/alice/02J.png');
    expect(removed).toBe(false);
    // The answer echoing the requestId settles it.
    socket.receive({ type: 'profile', requestId: unset.requestId, user: { username: 'alice', online: true } });
    await removing;
    expect(state().users.alice!.avatarKey).toBeUndefined();

    const refused = session.removeAvatar();
    socket.receive({ type: 'error', code: 'service_unavailable', message: 'x', action: 'setAvatar', requestId: lastOf(socket, 'setAvatar').requestId });
    await expect(refused).rejects.toBeInstanceOf(MediaError);
    expect(state().notice).toBeNull();
  });

  it('download URLs go out in one batch, and again after a reconnect if the first answer was lost', async () => {
    const { session } = makeSession();
    const first = await online(session);
    session.media.want('avatars/bob/1.png');
    session.media.want('avatars/carol/1.png');
    vi.advanceTimersByTime(50);
    expect(lastOf(first, 'getDownloadUrl')).toMatchObject({ keys: ['avatars/bob/1.png', 'avatars/carol/1.png'] });
    first.serverClose(1006);
    await flush();
    await vi.advanceTimersByTimeAsync(500);
    const second = FakeSocket.last();
    second.open();
    vi.advanceTimersByTime(50);
    const again = lastOf(second, 'getDownloadUrl');
    expect(again.keys).toEqual(['avatars/bob/1.png', 'avatars/carol/1.png']);
    second.receive({ type: 'downloadUrls', requestId: again.requestId, urls: { 'avatars/bob/1.png': 'https://s3.test/b', 'avatars/carol/1.png': 'https://s3.test/c' }, expiresAt: Date.now() + 600_000 });
    await flush();
    expect(session.media.peek('avatars/bob/1.png')?.url).toBe('https://s3.test/b');
    session.signOut();
    expect(session.media.peek('avatars/bob/1.png')).toBeUndefined();
  });
});

describe('inbox, rooms and read state (#14)', () => {
  const ULID = '01JDQ8Z7W4K3M2N1P0Q9R8S7T6';
  const ROOM = `room#${ULID}`;
  const room = { conversationId: ROOM, name: 'Project', memberCount: 3, createdBy: 'alice', createdAt: 1 };
  const roomItem: ConversationView = { conversationId: ROOM, kind: 'room', name: 'Project', memberCount: 3, role: 'owner', lastActivityAt: 5, unread: 0, unreadMore: false };
  const sentOf = (socket: FakeSocket, action: string) => socket.actions().filter((a) => a.action === action);

  it('pages the inbox: the next page with the cursor, once at a time, none after the last', async () => {
    const { session, state } = makeSession();
    session.start('alice');
    await flushMicrotasks();
    const socket = FakeSocket.last();
    socket.open();
    answerInbox(socket, [dm('Bob', true)], 'N1');
    await flushMicrotasks();
    expect(session.loadMoreConversations()).toBe(true);
    expect(session.loadMoreConversations()).toBe(false);
    expect(socket.actions().at(-1)).toMatchObject({ action: 'getConversations', limit: 20, cursor: 'N1' });
    answerInbox(socket, [roomItem], null);
    await flushMicrotasks();
    expect(Object.keys(state().inbox.items).sort()).toEqual([BOB, ROOM].sort());
    expect(session.loadMoreConversations()).toBe(false);
  });

  it('opening a room loads its history and members, and watches the first 50 members (not me)', async () => {
    const { session, state } = makeSession();
    const socket = await online(session);
    answerInbox(socket, [roomItem]);
    await flushMicrotasks();
    session.openConversation({ kind: 'room', id: ROOM, name: 'Project' });
    expect(sentOf(socket, 'getMessages').at(-1)).toEqual({ action: 'getMessages', conversationId: ROOM, limit: 50 });
    expect(sentOf(socket, 'getMembers').at(-1)).toMatchObject({ action: 'getMembers', conversationId: ROOM, limit: 100 });
    const members = [{ username: 'alice', role: 'owner', online: true }, ...Array.from({ length: 60 }, (_, i) => ({ username: `user${i}`, role: 'member', online: false }))];
    answer(socket, 'getMembers', { type: 'members', conversationId: ROOM, members, nextCursor: null });
    await flushMicrotasks();
    expect(state().members[ROOM]!.list).toHaveLength(61);
    const watches = sentOf(socket, 'watchPresence') as { usernames: string[] }[];
    expect(watches).toHaveLength(1);
    expect(watches[0]!.usernames).toEqual(Array.from({ length: 50 }, (_, i) => `user${i}`));
    answer(socket, 'watchPresence', { type: 'watched', conversationId: ROOM, users: [{ username: 'user3', online: true }] });
    expect(state().users.user3!.online).toBe(true);
  });

  it('marks the open conversation read (debounced) only while the tab is visible, once per message', async () => {
    const { session, state } = makeSession();
    const socket = await online(session);
    session.openConversation(withBob);
    const hello = msg('Bob', 'alice', 5, 'hello');
    socket.receive({ type: 'messages', conversationId: BOB, with: 'Bob', messages: [hello], nextCursor: null });
    await vi.advanceTimersByTimeAsync(1000);
    expect(sentOf(socket, 'markRead')).toEqual([]); // hidden tab
    session.setVisible(true);
    await vi.advanceTimersByTimeAsync(499);
    expect(sentOf(socket, 'markRead')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sentOf(socket, 'markRead')).toEqual([{ action: 'markRead', conversationId: BOB, messageId: hello.id, requestId: expect.any(String) }]);
    answer(socket, 'markRead', { type: 'readState', conversationId: BOB, username: 'alice', messageId: hello.id });
    expect(state().inbox.items[BOB]!.readMessageId).toBe(hello.id);
    // My own message does not need marking; a new one from Bob does.
    socket.receive({ type: 'message', message: msg('alice', 'Bob', 6) });
    await vi.advanceTimersByTimeAsync(1000);
    expect(sentOf(socket, 'markRead')).toHaveLength(1);
    const next = msg('Bob', 'alice', 7);
    socket.receive({ type: 'message', message: next });
    await vi.advanceTimersByTimeAsync(1000);
    expect((sentOf(socket, 'markRead').at(-1) as { messageId: string }).messageId).toBe(next.id);
  });

  it('a read in another tab clears the badge here', async () => {
    const { session, state } = makeSession();
    const socket = await online(session);
    const m = msg('Bob', 'alice', 5);
    socket.receive({ type: 'message', message: m });
    expect(state().inbox.items[BOB]!.unread).toBe(1);
    socket.receive({ type: 'readState', conversationId: BOB, username: 'alice', messageId: m.id });
    expect(state().inbox.items[BOB]!.unread).toBe(0);
  });

  it('creates a room (it joins the inbox) and reports a refusal with its code', async () => {
    const { session, state } = makeSession();
    const socket = await online(session);
    const created = session.createRoom('  Project ', ['Bob', 'bob', 'alice']);
    expect(socket.actions().at(-1)).toEqual({ action: 'createRoom', name: 'Project', members: ['Bob'], requestId: expect.any(String) });
    answer(socket, 'createRoom', { type: 'room', room });
    expect(await created).toEqual(room);
    expect(state().inbox.items[ROOM]).toMatchObject({ name: 'Project', role: 'owner' });
    await expect(session.createRoom('   ', [])).rejects.toMatchObject({ code: 'invalid_room_name' });
    const leaving = session.leaveRoom(ROOM);
    expect(socket.actions().at(-1)).toMatchObject({ action: 'removeMember', conversationId: ROOM, username: 'alice' });
    answer(socket, 'removeMember', { type: 'error', code: 'owner_must_transfer', message: 'transfer first', action: 'removeMember' });
    await expect(leaving).rejects.toMatchObject({ code: 'owner_must_transfer' });
    expect(state().notice).toBeNull();
  });

  it('a message of a room the inbox does not list asks for the inbox again', async () => {
    const { session } = makeSession();
    const socket = await online(session);
    const before = sentOf(socket, 'getConversations').length;
    socket.receive({ type: 'message', message: { ...msg('bob', 'x', 9), conversationId: ROOM, to: undefined } });
    expect(sentOf(socket, 'getConversations')).toHaveLength(before + 1);
  });

  it('my message acknowledged in the open room asks for its members again (who has read)', async () => {
    const { session } = makeSession();
    const socket = await online(session);
    answerInbox(socket, [roomItem]);
    await flushMicrotasks();
    session.openConversation({ kind: 'room', id: ROOM, name: 'Project' });
    answer(socket, 'getMembers', { type: 'members', conversationId: ROOM, members: [], nextCursor: null });
    await flushMicrotasks();
    const before = sentOf(socket, 'getMembers').length;
    session.sendMessage({ kind: 'room', id: ROOM, name: 'Project' }, 'hi all');
    socket.receive({ type: 'messageAck', duplicate: false, message: { ...msg('alice', 'x', 20_000, 'hi all', { clientMessageId: 'cmid-1' }), conversationId: ROOM, to: undefined } });
    expect(sentOf(socket, 'getMembers')).toHaveLength(before + 1);
  });

  it('the resync asks for the open room\'s members again', async () => {
    const { session } = makeSession();
    const first = await online(session);
    answerInbox(first, [roomItem]);
    await flushMicrotasks();
    session.openConversation({ kind: 'room', id: ROOM, name: 'Project' });
    first.serverClose();
    await vi.advanceTimersByTimeAsync(500);
    const second = FakeSocket.last();
    second.open();
    expect(second.actions().map((a) => a.action)).toEqual(['getConversations', 'getMessages', 'getMembers']);
  });
});
