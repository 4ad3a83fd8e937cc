import { describe, expect, it } from 'vitest';
import { directConversation } from '../protocol/conversations';
import type { ServerEvent } from '../protocol/frames';
import { msg } from '../test/fakes';
import {
  emptyConversation,
  initialState,
  mergeMessages,
  mergePage,
  reduce,
  selectOutgoing,
  selectPeople,
  selectPendingOutbox,
  selectTotalUnread,
  type Action,
  type AppState,
  type OutgoingMessage,
} from './appState';

const server = (event: ServerEvent): Action => ({ type: 'server', event });
const run = (state: AppState, ...actions: Action[]) => actions.reduce(reduce, state);

function signedIn(me = 'alice'): AppState {
  return run(
    initialState,
    { type: 'signIn', username: me },
    { type: 'connection', state: 'online' },
    server({
      type: 'clients',
      users: [
        { username: 'Alice', online: true },
        { username: 'Bob', online: true },
        { username: 'carol', online: false, lastSeen: 1000 },
      ],
    }),
  );
}

/** Alice's direct conversation with `name`. */
const conversationWith = (name: string) => directConversation('alice', name);
const BOB = 'dm#alice#bob';
const CAROL = 'dm#alice#carol';

function outgoing(cmid: string, to = 'Bob', text = 'hello', createdAt = 5000): OutgoingMessage {
  return { clientMessageId: cmid, conversationId: conversationWith(to).id, text, createdAt, status: 'pending' };
}

const send = (message: OutgoingMessage): Action => ({ type: 'send', conversation: conversationWith('Bob'), message });

const ids = (s: AppState, conversationId: string) => s.conversations[conversationId]!.messages.map((m) => m.id);

describe('sign-in and connection', () => {
  it('tracks connection state and sign-in', () => {
    let s = reduce(initialState, { type: 'signIn', username: 'alice' });
    expect(s).toMatchObject({ me: 'alice', connection: 'connecting' });
    s = reduce(s, { type: 'connection', state: 'online' });
    expect(s).toMatchObject({ connection: 'online' });
    s = reduce(s, { type: 'connection', state: 'reconnecting' });
    expect(s.connection).toBe('reconnecting');
    s = reduce(s, { type: 'connection', state: 'offline' });
    expect(s.connection).toBe('offline');
    expect(reduce(s, { type: 'signOut' })).toEqual(initialState);
  });

  it('keeps why the session ended for the sign-in screen, until the next sign-in', () => {
    const s = run(signedIn(), { type: 'signOut', reason: 'Your session has ended, sign in again.' });
    expect(s).toEqual({ ...initialState, signedOutReason: 'Your session has ended, sign in again.' });
    expect(reduce(s, { type: 'signIn', username: 'alice' }).signedOutReason).toBeNull();
  });

  it('ignores server events when signed out', () => {
    expect(reduce(initialState, server({ type: 'presence', user: { username: 'bob', online: true } }))).toBe(initialState);
  });
});

describe('people and presence', () => {
  it('lists everyone except me (whatever the case), sorted and filterable', () => {
    const s = signedIn('ALICE');
    expect(s.me).toBe('Alice'); // the server's display form
    expect(selectPeople(s).map((p) => p.user.username)).toEqual(['Bob', 'carol']);
    expect(selectPeople(s, 'CAR').map((p) => p.key)).toEqual(['carol']);
    expect(selectPeople(s, 'zzz')).toEqual([]);
  });

  it('updates presence live, with lastSeen when going offline', () => {
    let s = signedIn();
    s = reduce(s, server({ type: 'presence', user: { username: 'Bob', online: false, lastSeen: 42 } }));
    expect(s.users.bob).toEqual({ username: 'Bob', online: false, lastSeen: 42 });
    s = reduce(s, server({ type: 'presence', user: { username: 'carol', online: true } }));
    expect(s.users.carol).toEqual({ username: 'carol', online: true });
    s = reduce(s, server({ type: 'presence', user: { username: 'dave', online: true } }));
    expect(selectPeople(s).map((p) => p.key)).toEqual(['bob', 'carol', 'dave']);
  });
});

describe('incoming messages and unread counts', () => {
  it('files a message under the sender and counts it unread when the conversation is not open', () => {
    let s = signedIn();
    const m = msg('Bob', 'alice', 100);
    s = reduce(s, server({ type: 'message', message: m }));
    expect(ids(s, BOB)).toEqual([m.id]);
    expect(s.conversations[BOB]!.unread).toBe(1);
    s = reduce(s, server({ type: 'message', message: msg('Bob', 'alice', 200) }));
    s = reduce(s, server({ type: 'message', message: msg('carol', 'alice', 300) }));
    expect(s.conversations[BOB]!.unread).toBe(2);
    expect(s.conversations[CAROL]!.unread).toBe(1);
    expect(selectTotalUnread(s)).toBe(3);
    expect(selectPeople(s).find((p) => p.key === 'bob')!.unread).toBe(2);
  });

  it('does not count messages in the open conversation, and opening clears the count', () => {
    let s = signedIn();
    s = reduce(s, server({ type: 'message', message: msg('Bob', 'alice', 100) }));
    s = reduce(s, { type: 'openConversation', conversation: conversationWith('bob') });
    expect(s.conversations[BOB]!.unread).toBe(0);
    expect(s.openConversationId).toBe(BOB);
    s = reduce(s, server({ type: 'message', message: msg('Bob', 'alice', 200) }));
    expect(s.conversations[BOB]!.unread).toBe(0);
    expect(s.conversations[BOB]!.messages).toHaveLength(2);
    s = reduce(s, { type: 'openConversation', conversation: null });
    s = reduce(s, server({ type: 'message', message: msg('Bob', 'alice', 300) }));
    expect(s.conversations[BOB]!.unread).toBe(1);
  });

  it('counts a message delivered twice once', () => {
    let s = signedIn();
    const m = msg('Bob', 'alice', 100);
    s = run(s, server({ type: 'message', message: m }), server({ type: 'message', message: m }));
    expect(s.conversations[BOB]!.messages).toHaveLength(1);
    expect(s.conversations[BOB]!.unread).toBe(1);
  });

  it("files my own other tab's message under the recipient, without unread", () => {
    let s = signedIn();
    const m = msg('Alice', 'Bob', 100);
    s = reduce(s, server({ type: 'message', message: m }));
    expect(ids(s, BOB)).toEqual([m.id]);
    expect(Object.keys(s.conversations)).toEqual([BOB]);
    expect(s.conversations[BOB]!.unread).toBe(0);
  });

  it('sorts by sentAt then id whatever the arrival order', () => {
    let s = signedIn();
    const a = msg('Bob', 'alice', 300);
    const b = msg('Bob', 'alice', 100);
    const c = { ...msg('Bob', 'alice', 100), id: '00-before-b' };
    s = run(s, ...[a, b, c].map((message) => server({ type: 'message', message })));
    expect(ids(s, BOB)).toEqual([c.id, b.id, a.id]);
  });

  it("files messages under the server's conversationId, one conversation whatever the case of the names", () => {
    let s = signedIn();
    s = reduce(s, server({ type: 'message', message: msg('BOB', 'alice', 100) }));
    s = reduce(s, server({ type: 'message', message: msg('Alice', 'bob', 200) }));
    expect(Object.keys(s.conversations)).toEqual([BOB]);
    expect(s.conversations[BOB]).toMatchObject({ kind: 'direct', id: BOB, with: 'Bob' });
    expect(ids(s, BOB)).toHaveLength(2);
    expect(selectPeople(s).find((p) => p.key === 'bob')).toMatchObject({ conversationId: BOB, unread: 1 });
  });

  it('remembers where the unread part began when the conversation is opened (the "New messages" divider)', () => {
    let s = signedIn();
    const read = msg('Bob', 'alice', 100);
    s = run(s, { type: 'openConversation', conversation: conversationWith('bob') }, server({ type: 'message', message: read }));
    expect(s.conversations[BOB]!.unreadFrom).toBeNull();
    s = reduce(s, { type: 'openConversation', conversation: conversationWith('carol') });
    const firstUnread = msg('Bob', 'alice', 200);
    const mine = msg('Alice', 'Bob', 250);
    s = run(
      s,
      server({ type: 'message', message: firstUnread }),
      server({ type: 'message', message: mine }),
      server({ type: 'message', message: msg('Bob', 'alice', 300) }),
      { type: 'openConversation', conversation: conversationWith('bob') },
    );
    expect(s.conversations[BOB]).toMatchObject({ unread: 0, unreadFrom: firstUnread.id });
    // It stays while the conversation is open, whatever comes in or however often it is selected.
    s = run(s, server({ type: 'message', message: msg('Bob', 'alice', 400) }), { type: 'openConversation', conversation: conversationWith('bob') });
    expect(s.conversations[BOB]!.unreadFrom).toBe(firstUnread.id);
    // Opened again with nothing unread: no divider.
    s = run(s, { type: 'openConversation', conversation: null }, { type: 'openConversation', conversation: conversationWith('bob') });
    expect(s.conversations[BOB]!.unreadFrom).toBeNull();
  });

  it('adds an unknown sender to the people list', () => {
    let s = signedIn();
    s = reduce(s, server({ type: 'message', message: msg('zed', 'alice', 1) }));
    expect(s.users.zed).toEqual({ username: 'zed', online: true });
  });
});

describe('optimistic send', () => {
  it('ack replaces the pending message', () => {
    let s = reduce(signedIn(), send(outgoing('c-a')));
    expect(selectOutgoing(s.outbox, BOB)).toHaveLength(1);
    expect(s.conversations[BOB]).toBeDefined();
    const stored = msg('Alice', 'Bob', 6000, 'hello', { clientMessageId: 'c-a' });
    s = reduce(s, server({ type: 'messageAck', duplicate: false, message: stored }));
    expect(s.outbox).toEqual({});
    expect(ids(s, BOB)).toEqual([stored.id]);
    expect(s.conversations[BOB]!.unread).toBe(0);
  });

  it('a duplicate ack (same clientMessageId re-sent) does not duplicate the message', () => {
    let s = reduce(signedIn(), send(outgoing('c-a')));
    const stored = msg('Alice', 'Bob', 6000, 'hello', { clientMessageId: 'c-a' });
    s = reduce(s, server({ type: 'messageAck', duplicate: false, message: stored }));
    s = reduce(s, server({ type: 'messageAck', duplicate: true, message: stored }));
    expect(ids(s, BOB)).toEqual([stored.id]);
    expect(s.outbox).toEqual({});
  });

  it('an error naming the clientMessageId marks exactly that message failed; retry makes it pending again', () => {
    let s = run(signedIn(), send(outgoing('c-a')), send(outgoing('c-b', 'Bob', 'x', 6000)));
    s = reduce(
      s,
      server({ type: 'error', code: 'service_unavailable', message: 'storage failed', action: 'sendMessage', clientMessageId: 'c-a' }),
    );
    expect(s.outbox['c-a']).toMatchObject({ status: 'failed', error: { code: 'service_unavailable', message: 'storage failed' } });
    expect(s.outbox['c-b']!.status).toBe('pending');
    expect(selectPendingOutbox(s).map((m) => m.clientMessageId)).toEqual(['c-b']);
    expect(s.notice).toBeNull();
    s = reduce(s, { type: 'retry', clientMessageId: 'c-a' });
    expect(s.outbox['c-a']).toEqual(outgoing('c-a'));
    expect(selectPendingOutbox(s).map((m) => m.clientMessageId)).toEqual(['c-a', 'c-b']);
    s = reduce(s, { type: 'discard', clientMessageId: 'c-b' });
    expect(Object.keys(s.outbox)).toEqual(['c-a']);
  });

  it('unknown_connection keeps the message pending for the re-send after reconnecting', () => {
    let s = reduce(signedIn(), send(outgoing('c-a')));
    s = reduce(s, server({ type: 'error', code: 'unknown_connection', message: 'gone', action: 'sendMessage', clientMessageId: 'c-a' }));
    expect(s.outbox['c-a']!.status).toBe('pending');
  });

  it('an error not tied to a message becomes a notice', () => {
    const s = reduce(signedIn(), server({ type: 'error', code: 'unknown_recipient', message: 'nobody is called zed', action: 'sendMessage' }));
    expect(s.notice).toEqual({ code: 'unknown_recipient', message: 'nobody is called zed' });
    expect(reduce(s, { type: 'dismissNotice' }).notice).toBeNull();
  });

  it('a history page holding the message confirms it (ack lost in a drop)', () => {
    let s = reduce(signedIn(), send(outgoing('c-a')));
    const stored = msg('Alice', 'Bob', 6000, 'hello', { clientMessageId: 'c-a' });
    s = reduce(s, server({ type: 'messages', conversationId: BOB, with: 'bob', messages: [stored], nextCursor: null }));
    expect(s.outbox).toEqual({});
    expect(ids(s, BOB)).toEqual([stored.id]);
  });
});

describe('history pages', () => {
  // 10 messages, t = 1000..10000; the server pages newest first.
  const all = Array.from({ length: 10 }, (_, i) => msg(i % 2 ? 'Bob' : 'Alice', i % 2 ? 'Alice' : 'Bob', (i + 1) * 1000));
  const newestFirst = (from: number, to: number) => all.slice(from, to).reverse();

  it('merges older pages without duplicates and follows the cursor', () => {
    let s = reduce(signedIn(), { type: 'openConversation', conversation: conversationWith('Bob') });
    s = reduce(s, { type: 'requestPage', conversation: conversationWith('Bob'), older: false });
    expect(s.conversations[BOB]!.loadingNewest).toBe(true);
    s = reduce(s, server({ type: 'messages', conversationId: BOB, with: 'bob', messages: newestFirst(6, 10), nextCursor: 'k6' }));
    expect(s.conversations[BOB]).toMatchObject({ nextCursor: 'k6', loadingNewest: false, unread: 0 });
    // Overlapping older page (6 is in both).
    s = reduce(s, { type: 'requestPage', conversation: conversationWith('Bob'), older: true });
    expect(s.conversations[BOB]!.loadingOlder).toBe(true);
    s = reduce(s, server({ type: 'messages', conversationId: BOB, with: 'Bob', messages: newestFirst(2, 7), nextCursor: 'k2' }));
    expect(ids(s, BOB)).toEqual(all.slice(2).map((m) => m.id));
    expect(s.conversations[BOB]).toMatchObject({ nextCursor: 'k2', loadingOlder: false });
    s = reduce(s, server({ type: 'messages', conversationId: BOB, with: 'bob', messages: newestFirst(0, 2), nextCursor: null }));
    expect(ids(s, BOB)).toEqual(all.map((m) => m.id));
    expect(s.conversations[BOB]!.nextCursor).toBeNull();
    // A live event already in history is merged by id.
    s = reduce(s, server({ type: 'message', message: all[9]! }));
    expect(ids(s, BOB)).toHaveLength(10);
  });

  it('reloading the newest page after older pages keeps the older cursor', () => {
    let conv = emptyConversation(conversationWith('Bob'));
    conv = mergePage(conv, newestFirst(6, 10), 'k6', 'Alice');
    conv = mergePage(conv, newestFirst(2, 6), 'k2', 'Alice');
    conv = mergePage(conv, newestFirst(6, 10), 'k6', 'Alice');
    expect(conv.nextCursor).toBe('k2');
    expect(conv.messages.map((m) => m.id)).toEqual(all.slice(2).map((m) => m.id));
  });

  it('an empty conversation reaches its start at once', () => {
    const conv = mergePage(emptyConversation(conversationWith('Bob')), [], null, 'Alice');
    expect(conv).toMatchObject({ messages: [], nextCursor: null });
  });

  it('a newest page past a gap replaces what is loaded (messages missed while disconnected)', () => {
    let conv = mergePage(emptyConversation(conversationWith('Bob')), newestFirst(0, 3), 'k0', 'Alice');
    conv = mergePage(conv, newestFirst(7, 10), 'k7', 'Alice');
    expect(conv.messages.map((m) => m.id)).toEqual(all.slice(7).map((m) => m.id));
    expect(conv.nextCursor).toBe('k7');
  });

  it('messages found on reconnect for a conversation not open count as unread', () => {
    let s = signedIn();
    s = reduce(s, server({ type: 'messages', conversationId: BOB, with: 'bob', messages: newestFirst(0, 4), nextCursor: null }));
    expect(s.conversations[BOB]!.unread).toBe(0);
    s = reduce(s, server({ type: 'messages', conversationId: BOB, with: 'bob', messages: newestFirst(2, 8), nextCursor: 'k2' }));
    // 4..7 are new; of these Bob sent 5 and 7.
    expect(s.conversations[BOB]!.unread).toBe(2);
  });

  it('matches a page by conversationId; a page of a conversation not held and naming nobody is dropped', () => {
    let s = reduce(signedIn(), { type: 'openConversation', conversation: conversationWith('Bob') });
    s = reduce(s, server({ type: 'messages', conversationId: BOB, messages: newestFirst(0, 2), nextCursor: null }));
    expect(ids(s, BOB)).toEqual(all.slice(0, 2).map((m) => m.id));
    const unknown = reduce(s, server({ type: 'messages', conversationId: 'room#general', messages: [], nextCursor: null }));
    expect(unknown).toBe(s);
    s = reduce(s, server({ type: 'messages', conversationId: CAROL, with: 'carol', messages: [msg('carol', 'alice', 1)], nextCursor: null }));
    expect(s.conversations[CAROL]).toMatchObject({ kind: 'direct', with: 'carol', nextCursor: null });
  });

  it('mergeMessages reports only new ids', () => {
    const { messages, added } = mergeMessages(all.slice(0, 3), [all[2]!, all[1]!, all[3]!]);
    expect(messages.map((m) => m.id)).toEqual(all.slice(0, 4).map((m) => m.id));
    expect(added.map((m) => m.id)).toEqual([all[3]!.id]);
  });

  it('a drop clears loading flags and marks loaded conversations stale', () => {
    let s = reduce(signedIn(), { type: 'requestPage', conversation: conversationWith('Bob'), older: false });
    s = reduce(s, server({ type: 'messages', conversationId: BOB, with: 'bob', messages: newestFirst(6, 10), nextCursor: 'k6' }));
    s = reduce(s, { type: 'requestPage', conversation: conversationWith('Bob'), older: true });
    s = reduce(s, { type: 'connection', state: 'reconnecting' });
    expect(s.conversations[BOB]).toMatchObject({ loadingOlder: false, loadingNewest: false, stale: true });
    s = reduce(s, { type: 'requestPage', conversation: conversationWith('Bob'), older: false });
    expect(s.conversations[BOB]!.stale).toBe(false);
  });

  it('a getMessages error stops the loading indicator', () => {
    let s = reduce(signedIn(), { type: 'requestPage', conversation: conversationWith('Bob'), older: true });
    s = reduce(s, server({ type: 'error', code: 'invalid_cursor', message: 'bad cursor', action: 'getMessages' }));
    expect(s.conversations[BOB]!.loadingOlder).toBe(false);
    expect(s.notice?.code).toBe('invalid_cursor');
  });
});

describe('profile pictures', () => {
  it('a profile event sets, changes and removes a user\'s picture live, keeping presence', () => {
    let s = signedIn();
    s = reduce(s, server({ type: 'profile', user: { username: 'carol', online: false, avatarKey: 'avatars/carol/1.png' } }));
    expect(s.users.carol).toEqual({ username: 'carol', online: false, lastSeen: 1000, avatarKey: 'avatars/carol/1.png' });
    s = reduce(s, server({ type: 'profile', user: { username: 'Bob', online: true, avatarKey: 'avatars/bob/2.png' } }));
    expect(selectPeople(s).find((p) => p.key === 'bob')!.user.avatarKey).toBe('avatars/bob/2.png');
    s = reduce(s, server({ type: 'profile', user: { username: 'Bob', online: true } }));
    expect(s.users.bob).toEqual({ username: 'Bob', online: true });
  });

  it('my own profile answer updates me', () => {
    const s = reduce(signedIn(), server({ type: 'profile', requestId: 'r-1', user: { username: 'Alice', online: true, avatarKey: 'avatars/alice/1.png' } }));
    expect(s.users.alice!.avatarKey).toBe('avatars/alice/1.png');
    expect(s.notice).toBeNull();
  });

  it('presence keeps a picture it does not mention; clients replaces everything', () => {
    let s = reduce(signedIn(), server({ type: 'profile', user: { username: 'Bob', online: true, avatarKey: 'avatars/bob/1.png' } }));
    s = reduce(s, server({ type: 'presence', user: { username: 'Bob', online: false, lastSeen: 9 } }));
    expect(s.users.bob).toEqual({ username: 'Bob', online: false, lastSeen: 9, avatarKey: 'avatars/bob/1.png' });
    s = reduce(s, server({ type: 'presence', user: { username: 'Bob', online: true, avatarKey: 'avatars/bob/2.png' } }));
    expect(s.users.bob!.avatarKey).toBe('avatars/bob/2.png');
    s = reduce(s, server({ type: 'clients', users: [{ username: 'Alice', online: true }, { username: 'Bob', online: true }] }));
    expect(s.users.bob).toEqual({ username: 'Bob', online: true });
  });

  it('answers and errors of media requests are left to whoever asked (no notice)', () => {
    const s = signedIn();
    expect(reduce(s, server({ type: 'downloadUrls', requestId: 'd', urls: {}, expiresAt: 1 }))).toBe(s);
    expect(reduce(s, server({ type: 'error', code: 'forbidden_media', message: 'no', action: 'getDownloadUrl', requestId: 'd' }))).toBe(s);
    expect(reduce(s, server({ type: 'error', code: 'invalid_field', message: 'no', action: 'getUploadUrl' }))).toBe(s);
    expect(reduce(s, server({ type: 'error', code: 'invalid_json', message: 'bad frame' })).notice).toEqual({ code: 'invalid_json', message: 'bad frame' });
  });

  it('a message with an attachment is merged like any other; its outgoing copy keeps the attachment', () => {
    const attachment = { key: 'attachments/dm/alice/bob/alice/1.png', name: 'cat.png', contentType: 'image/png', size: 10 };
    let s = reduce(signedIn(), send({ ...outgoing('c-1', 'Bob', ''), attachment }));
    expect(selectOutgoing(s.outbox, BOB)[0]!.attachment).toEqual(attachment);
    s = reduce(s, server({ type: 'messageAck', duplicate: false, message: msg('Alice', 'Bob', 6000, '', { clientMessageId: 'c-1', attachment }) }));
    expect(s.outbox).toEqual({});
    expect(s.conversations[BOB]!.messages[0]!.attachment).toEqual(attachment);
  });
});
