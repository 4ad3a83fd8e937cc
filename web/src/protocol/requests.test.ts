import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket, fakeSocketFactory, flushMicrotasks } from '../test/fakes';
import { isValidRequestId } from './chatRules';
import { ChatClient } from './client';
import type { ServerEvent } from './frames';
import { RequestError } from './requests';

async function onlineClient(extra: { requestTimeoutMs?: number } = {}) {
  const events: ServerEvent[] = [];
  const client = new ChatClient({
    url: 'ws://test/local',
    accessToken: async () => 'token',
    createSocket: fakeSocketFactory,
    random: () => 0.5,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  client.connect();
  await flushMicrotasks();
  const socket = FakeSocket.last();
  socket.open();
  return { client, socket, events };
}

const sentRequestId = (socket: FakeSocket, i = -1) => (socket.actions().at(i) as { requestId: string }).requestId;

const upload = (requestId?: string) => ({
  type: 'uploadUrl',
  ...(requestId ? { requestId } : {}),
  purpose: 'attachment',
  key: 'attachments/dm/alice/bob/alice/01J.png',
  url: 'https://s3.test/attachments/dm/alice/bob/alice/01J.png?sig',
  method: 'PUT',
  headers: { 'content-type': 'image/png' },
  contentType: 'image/png',
  size: 10,
  expiresAt: 1,
});

async function rejection(p: Promise<unknown>): Promise<RequestError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RequestError);
    return e as RequestError;
  }
  throw new Error('the promise resolved');
}

beforeEach(() => {
  FakeSocket.reset();
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('ChatClient.request (requestId correlation)', () => {
  it('sends a fresh requestId with each request and resolves with the answer echoing it', async () => {
    const { client, socket, events } = await onlineClient();
    const first = client.request({ action: 'getUploadUrl', purpose: 'attachment', to: 'bob', contentType: 'image/png', size: 10 });
    const second = client.request({ action: 'getDownloadUrl', keys: ['avatars/bob/01J.png'] });
    const [a, b] = socket.actions() as Array<{ action: string; requestId: string }>;
    expect(a).toMatchObject({ action: 'getUploadUrl', purpose: 'attachment', to: 'bob', contentType: 'image/png', size: 10 });
    expect(b).toMatchObject({ action: 'getDownloadUrl', keys: ['avatars/bob/01J.png'] });
    expect(isValidRequestId(a!.requestId)).toBe(true);
    expect(a!.requestId).not.toBe(b!.requestId);

    // Answers may come in any order; an answer for an unknown id settles nothing.
    socket.receive({ type: 'downloadUrls', requestId: 'someone-else', urls: {}, expiresAt: 1 });
    socket.receive({ type: 'downloadUrls', requestId: b!.requestId, urls: { 'avatars/bob/01J.png': 'https://s3.test/a?sig' }, expiresAt: 5 });
    socket.receive(upload(a!.requestId));
    await expect(second).resolves.toMatchObject({ type: 'downloadUrls', urls: { 'avatars/bob/01J.png': 'https://s3.test/a?sig' } });
    await expect(first).resolves.toMatchObject({ type: 'uploadUrl', key: 'attachments/dm/alice/bob/alice/01J.png' });
    // Every event still reaches the handler (the store sees profile events, for one).
    expect(events.map((e) => e.type)).toEqual(['downloadUrls', 'downloadUrls', 'uploadUrl']);
  });

  it('an answer of another type with the same id does not settle the request', async () => {
    const { client, socket } = await onlineClient();
    const p = client.request({ action: 'setAvatar', key: null });
    const id = sentRequestId(socket);
    socket.receive(upload(id));
    let settled = false;
    void p.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    socket.receive({ type: 'profile', requestId: id, user: { username: 'alice', online: true } });
    await expect(p).resolves.toMatchObject({ type: 'profile' });
  });

  it('rejects exactly the request an error names by requestId', async () => {
    const { client, socket } = await onlineClient();
    const keep = client.request({ action: 'getDownloadUrl', keys: ['avatars/bob/1.png'] });
    const refuse = client.request({ action: 'getDownloadUrl', keys: ['attachments/dm/carol/dave/carol/1.png'] });
    const keepId = sentRequestId(socket, 0);
    socket.receive({ type: 'error', code: 'forbidden_media', message: 'not yours', action: 'getDownloadUrl', requestId: sentRequestId(socket, 1) });
    const error = await rejection(refuse);
    expect(error).toMatchObject({ code: 'forbidden_media', message: 'not yours', action: 'getDownloadUrl' });
    socket.receive({ type: 'downloadUrls', requestId: keepId, urls: {}, expiresAt: 1 });
    await expect(keep).resolves.toMatchObject({ type: 'downloadUrls' });
  });

  it('an error without requestId but naming the action rejects the oldest request of that action', async () => {
    const { client, socket } = await onlineClient();
    const other = client.request({ action: 'setAvatar', key: null });
    const oldest = client.request({ action: 'getUploadUrl', purpose: 'avatar', contentType: 'image/png', size: 1 });
    const newer = client.request({ action: 'getUploadUrl', purpose: 'avatar', contentType: 'image/png', size: 2 });
    socket.receive({ type: 'error', code: 'invalid_field', message: 'bad', action: 'getUploadUrl' });
    expect((await rejection(oldest)).code).toBe('invalid_field');
    socket.receive(upload(sentRequestId(socket, 2)));
    await expect(newer).resolves.toMatchObject({ type: 'uploadUrl' });
    client.close();
    expect((await rejection(other)).code).toBe('disconnected');
  });

  it('rejects every request in flight when the connection drops, and at once when offline', async () => {
    const { client, socket } = await onlineClient();
    const a = client.request({ action: 'getDownloadUrl', keys: ['avatars/bob/1.png'] });
    const b = client.request({ action: 'setAvatar', key: 'avatars/alice/1.png' });
    socket.serverClose(1006);
    expect((await rejection(a)).code).toBe('disconnected');
    expect((await rejection(b)).code).toBe('disconnected');
    // A late answer on the old socket changes nothing (it is detached).
    socket.receive({ type: 'downloadUrls', requestId: sentRequestId(socket, 0), urls: {}, expiresAt: 1 });
    const offline = client.request({ action: 'getDownloadUrl', keys: ['k'] });
    expect((await rejection(offline)).code).toBe('offline');
  });

  it('times out a request that gets no answer', async () => {
    const { client } = await onlineClient({ requestTimeoutMs: 5000 });
    const p = client.request({ action: 'getDownloadUrl', keys: ['avatars/bob/1.png'] });
    vi.advanceTimersByTime(5000);
    expect((await rejection(p)).code).toBe('timeout');
  });

  it('a profile event without requestId does not settle a pending setAvatar; the one echoing its requestId does', async () => {
    const { client, socket, events } = await onlineClient();
    const p = client.request({ action: 'setAvatar', key: 'avatars/alice/2.png' });
    let settled = false;
    void p.then(
      () => (settled = true),
      () => (settled = true),
    );
    // The broadcast every other connection gets, even about me and with the very key I set: not the answer.
    socket.receive({ type: 'profile', user: { username: 'alice', online: true, avatarKey: 'avatars/alice/2.png' } });
    socket.receive({ type: 'profile', user: { username: 'bob', online: true, avatarKey: 'avatars/bob/1.png' } });
    // Another request's id answers nothing either.
    socket.receive({ type: 'profile', requestId: 'r-someone-else', user: { username: 'alice', online: true, avatarKey: 'avatars/alice/2.png' } });
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(false);
    // Still reported to the app as events (the session applies them as updates).
    expect(events.filter((e) => e.type === 'profile')).toHaveLength(3);

    socket.receive({ type: 'profile', requestId: sentRequestId(socket), user: { username: 'alice', online: true, avatarKey: 'avatars/alice/2.png' } });
    await expect(p).resolves.toMatchObject({ type: 'profile', requestId: sentRequestId(socket), user: { username: 'alice' } });

    // An unlabelled answer of another type never settles a request either.
    const q = client.request({ action: 'getDownloadUrl', keys: ['k'] });
    socket.receive({ type: 'downloadUrls', urls: {}, expiresAt: 1 });
    client.close();
    expect((await rejection(q)).code).toBe('disconnected');
  });
});

describe('ChatClient.request: the actions of rooms, inbox, read state and directory', () => {
  const ROOM = 'room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6';
  const room = { conversationId: ROOM, name: 'P', memberCount: 2, createdBy: 'alice', createdAt: 1 };

  it('each is answered by its event echoing the requestId', async () => {
    const { client, socket } = await onlineClient();
    const created = client.request({ action: 'createRoom', name: 'P', members: ['bob'] });
    socket.receive({ type: 'room', room, requestId: sentRequestId(socket) });
    expect((await created).room).toEqual(room);

    const added = client.request({ action: 'addMembers', conversationId: ROOM, usernames: ['carol'] });
    // A membership broadcast without the id answers nothing.
    socket.receive({ type: 'membership', conversationId: ROOM, room, change: 'added', users: ['dave'], by: 'bob' });
    socket.receive({ type: 'membership', conversationId: ROOM, room, change: 'added', users: ['carol'], by: 'alice', requestId: sentRequestId(socket) });
    expect((await added).users).toEqual(['carol']);

    const inbox = client.request({ action: 'getConversations', limit: 20 });
    socket.receive({ type: 'conversations', conversations: [], nextCursor: null, requestId: sentRequestId(socket) });
    expect((await inbox).nextCursor).toBeNull();

    const read = client.request({ action: 'markRead', conversationId: ROOM, messageId: '01C' });
    socket.receive({ type: 'readState', conversationId: ROOM, username: 'alice', messageId: '01C', requestId: sentRequestId(socket) });
    expect((await read).messageId).toBe('01C');

    const people = client.request({ action: 'searchPeople', prefix: 'b', limit: 20 });
    socket.receive({ type: 'people', users: [{ username: 'bob' }], nextCursor: null, requestId: sentRequestId(socket) });
    expect((await people).users).toEqual([{ username: 'bob' }]);

    const watched = client.request({ action: 'watchPresence', conversationId: ROOM, usernames: ['bob'] });
    socket.receive({ type: 'watched', conversationId: ROOM, users: [{ username: 'bob', online: true }], requestId: sentRequestId(socket) });
    expect((await watched).users).toEqual([{ username: 'bob', online: true }]);
  });

  it('a refusal rejects with its code (owner_must_transfer, room_full, …)', async () => {
    const { client, socket } = await onlineClient();
    const leave = client.request({ action: 'removeMember', conversationId: ROOM, username: 'alice' });
    socket.receive({ type: 'error', code: 'owner_must_transfer', message: 'transfer first', action: 'removeMember', requestId: sentRequestId(socket) });
    expect((await rejection(leave)).code).toBe('owner_must_transfer');
  });
});
