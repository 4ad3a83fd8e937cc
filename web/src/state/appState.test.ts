import { describe, expect, it } from 'vitest';
import { directConversation, directConversationId, roomConversation } from '../protocol/conversations';
import type { ConversationView, RoomView, ServerEvent, UserPresence } from '../protocol/frames';
import { msg } from '../test/fakes';
import {
  emptyConversation,
  initialState,
  mergeMessages,
  mergePage,
  reduce,
  selectInbox,
  selectOutgoing,
  selectPendingOutbox,
  selectPresence,
  selectTotalUnread,
  selectUnread,
  selectUnreadFrom,
  type Action,
  type AppState,
  type OutgoingMessage,
} from './appState';

const server = (event: ServerEvent, at?: number): Action => ({ type: 'server', event, ...(at !== undefined ? { at } : {}) });
const run = (state: AppState, ...actions: Action[]) => actions.reduce(reduce, state);

/** Alice's inbox item of a direct conversation with `user`. */
const dm = (user: UserPresence, extra: Partial<ConversationView> = {}): ConversationView => ({
  conversationId: directConversationId('alice', user.username),
  kind: 'direct',
  with: user,
  lastActivityAt: 0,
  unread: 0,
  unreadMore: false,
  ...extra,
});

const inboxPage = (conversations: ConversationView[], nextCursor: string | null = null, first = true): Action => ({
  type: 'inboxPage',
  page: { type: 'conversations', conversations, nextCursor },
  first,
});

/** Alice, online, with direct conversations with Bob (online) and carol (offline). */
function signedIn(me = 'alice'): AppState {
  return run(
    initialState,
    { type: 'signIn', username: me },
    { type: 'connection', state: 'online' },
    inboxPage([dm({ username: 'Bob', online: true }), dm({ username: 'carol', online: false, lastSeen: 1000 })]),
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
const unread = (s: AppState, conversationId: string) => selectUnread(s, conversationId);

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
  it('the inbox lists my direct partners with their presence (as told on this connection)', () => {
    const s = signedIn();
    expect(selectInbox(s).map((e) => [e.title, e.presence])).toEqual([
      ['Bob', 'online'],
      ['carol', 'offline'],
    ]);
    expect(s.presenceKnown).toBe(true);
    // Someone whose presence the server never told: unknown, not "offline".
    expect(selectPresence(s, 'zed')).toBe('unknown');
  });

  it('updates presence live, with lastSeen when going offline', () => {
    let s = signedIn();
    s = reduce(s, server({ type: 'presence', user: { username: 'Bob', online: false, lastSeen: 42 } }));
    expect(s.users.bob).toEqual({ username: 'Bob', online: false, lastSeen: 42 });
    expect(selectInbox(s)[0]!.presence).toBe('offline');
    s = reduce(s, server({ type: 'presence', user: { username: 'carol', online: true } }));
    expect(s.users.carol).toEqual({ username: 'carol', online: true });
    s = reduce(s, server({ type: 'presence', user: { username: 'dave', online: true } }));
    expect(selectPresence(s, 'dave')).toBe('online');
  });

  it('a drop shows nobody online and every presence unknown until the server tells again', () => {
    let s = reduce(signedIn(), server({ type: 'watched', conversationId: 'room#X', users: [{ username: 'dave', online: false, lastSeen: 3 }] }));
    expect(selectPresence(s, 'dave')).toBe('offline');
    s = reduce(s, { type: 'connection', state: 'reconnecting' });
    expect(s.users.bob!.online).toBe(false);
    expect(selectPresence(s, 'Bob')).toBe('unknown');
    s = run(s, { type: 'connection', state: 'online' }, inboxPage([dm({ username: 'Bob', online: true })]));
    expect(selectPresence(s, 'Bob')).toBe('online');
    expect(selectPresence(s, 'dave')).toBe('unknown'); // not told on this connection yet
  });
});

describe('incoming messages and unread counts', () => {
  it('files a message under the sender and counts it unread when the conversation is not open', () => {
    let s = signedIn();
    const m = msg('Bob', 'alice', 100);
    s = reduce(s, server({ type: 'message', message: m }));
    expect(ids(s, BOB)).toEqual([m.id]);
    expect(unread(s, BOB)).toBe(1);
    s = reduce(s, server({ type: 'message', message: msg('Bob', 'alice', 200) }));
    s = reduce(s, server({ type: 'message', message: msg('carol', 'alice', 300) }));
    expect(unread(s, BOB)).toBe(2);
    expect(unread(s, CAROL)).toBe(1);
    expect(selectTotalUnread(s)).toBe(3);
    expect(selectInbox(s).find((e) => e.title === 'Bob')!.item.unread).toBe(2);
  });

  it('does not count messages in the open conversation, and opening clears the count', () => {
    let s = signedIn();
    s = reduce(s, server({ type: 'message', message: msg('Bob', 'alice', 100) }));
    s = reduce(s, { type: 'openConversation', conversation: conversationWith('bob') });
    expect(unread(s, BOB)).toBe(0);
    expect(s.openConversationId).toBe(BOB);
    s = reduce(s, server({ type: 'message', message: msg('Bob', 'alice', 200) }));
    expect(unread(s, BOB)).toBe(0);
    expect(s.conversations[BOB]!.messages).toHaveLength(2);
    s = reduce(s, { type: 'openConversation', conversation: null });
    s = reduce(s, server({ type: 'message', message: msg('Bob', 'alice', 300) }));
    expect(unread(s, BOB)).toBe(1);
  });

  it('counts a message delivered twice once', () => {
    let s = signedIn();
    const m = msg('Bob', 'alice', 100);
    s = run(s, server({ type: 'message', message: m }), server({ type: 'message', message: m }));
    expect(s.conversations[BOB]!.messages).toHaveLength(1);
    expect(unread(s, BOB)).toBe(1);
  });

  it("files my own other tab's message under the recipient, and it clears my unread (sending moves my read point)", () => {
    let s = reduce(signedIn(), server({ type: 'message', message: msg('Bob', 'alice', 50) }));
    expect(unread(s, BOB)).toBe(1);
    const m = msg('Alice', 'Bob', 100);
    s = reduce(s, server({ type: 'message', message: m }));
    expect(ids(s, BOB)).toHaveLength(2);
    expect(Object.keys(s.conversations)).toEqual([BOB]);
    expect(unread(s, BOB)).toBe(0);
    expect(s.inbox.items[BOB]!.readMessageId).toBe(m.id);
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
  });

  it('remembers where the unread part began when the conversation is opened (the "New messages" divider)', () => {
    let s = signedIn();
    const read = msg('Bob', 'alice', 100);
    s = run(s, { type: 'openConversation', conversation: conversationWith('bob') }, server({ type: 'message', message: read }));
    expect(selectUnreadFrom(s.conversations[BOB]!, s.me)).toBeNull();
    s = reduce(s, { type: 'openConversation', conversation: conversationWith('carol') });
    const firstUnread = msg('Bob', 'alice', 200);
    s = run(
      s,
      server({ type: 'message', message: firstUnread }),
      server({ type: 'message', message: msg('Bob', 'alice', 300) }),
      { type: 'openConversation', conversation: conversationWith('bob') },
    );
    expect(unread(s, BOB)).toBe(0);
    expect(selectUnreadFrom(s.conversations[BOB]!, s.me)).toBe(firstUnread.id);
    // It stays while the conversation is open, whatever comes in or however often it is selected.
    s = run(s, server({ type: 'message', message: msg('Bob', 'alice', 400) }), { type: 'openConversation', conversation: conversationWith('bob') });
    expect(selectUnreadFrom(s.conversations[BOB]!, s.me)).toBe(firstUnread.id);
    // Opened again with nothing unread: no divider.
    s = run(s, { type: 'openConversation', conversation: null }, { type: 'openConversation', conversation: conversationWith('bob') });
    expect(selectUnreadFrom(s.conversations[BOB]!, s.me)).toBeNull();
  });

  it('the divider follows the server: after my read point, found once the messages are loaded', () => {
    const older = msg('Bob', 'alice', 100);
    const mine = msg('alice', 'Bob', 150);
    const first = msg('Bob', 'alice', 200);
    const second = msg('Bob', 'alice', 300);
    let s = run(
      signedIn(),
      inboxPage([dm({ username: 'Bob', online: true }, { unread: 2, readMessageId: mine.id, lastActivityAt: 300 })]),
      { type: 'openConversation', conversation: conversationWith('Bob') },
    );
    expect(unread(s, BOB)).toBe(0);
    expect(selectUnreadFrom(s.conversations[BOB]!, s.me)).toBeNull(); // nothing loaded yet
    s = reduce(s, server({ type: 'messages', conversationId: BOB, with: 'Bob', messages: [second, first, mine, older], nextCursor: null }));
    expect(selectUnreadFrom(s.conversations[BOB]!, s.me)).toBe(first.id);
  });

  it('adds an unknown sender to the users, and a first message to the inbox', () => {
    let s = signedIn();
    s = reduce(s, server({ type: 'message', message: msg('zed', 'alice', 1) }));
    expect(s.users.zed).toEqual({ username: 'zed', online: true });
    expect(selectInbox(s).map((e) => e.title)).toEqual(['zed', 'Bob', 'carol']);
    expect(unread(s, 'dm#alice#zed')).toBe(1);
  });

  it('counts exactly to 99, then "99+" (unreadMore); a "99+" counts 100 in the total', () => {
    let s = run(signedIn(), inboxPage([dm({ username: 'Bob', online: true }, { unread: 98 })]));
    s = reduce(s, server({ type: 'message', message: msg('Bob', 'alice', 1) }));
    expect(s.inbox.items[BOB]).toMatchObject({ unread: 99, unreadMore: false });
    s = reduce(s, server({ type: 'message', message: msg('Bob', 'alice', 2) }));
    expect(s.inbox.items[BOB]).toMatchObject({ unread: 99, unreadMore: true });
    expect(selectTotalUnread(s)).toBe(100);
  });
});

describe('the inbox', () => {
  const ROOM = 'room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6';
  const roomView = (extra: Partial<ConversationView> = {}): ConversationView => ({
    conversationId: ROOM,
    kind: 'room',
    name: 'Project',
    memberCount: 3,
    role: 'member',
    lastActivityAt: 0,
    unread: 0,
    unreadMore: false,
    ...extra,
  });

  it('sorts by last activity, newest first, then by conversationId; live messages move items up', () => {
    let s = run(
      signedIn(),
      inboxPage([
        dm({ username: 'Bob', online: true }, { lastActivityAt: 200 }),
        dm({ username: 'carol', online: false }, { lastActivityAt: 300 }),
        dm({ username: 'dave', online: false }, { lastActivityAt: 200 }),
        roomView({ lastActivityAt: 100 }),
      ]),
    );
    expect(selectInbox(s).map((e) => e.title)).toEqual(['carol', 'Bob', 'dave', 'Project']);
    s = reduce(s, server({ type: 'message', message: { ...msg('dave', 'alice', 400), conversationId: ROOM, to: undefined } }));
    expect(selectInbox(s).map((e) => e.title)).toEqual(['Project', 'carol', 'Bob', 'dave']);
    expect(selectInbox(s)[0]!.item).toMatchObject({ unread: 1, lastMessage: { from: 'dave', sentAt: 400 } });
  });

  it('the server\'s counts and read points: the first page replaces the list, a later page adds to it', () => {
    let s = run(signedIn(), inboxPage([roomView({ unread: 5 })], 'N1'));
    expect(Object.keys(s.inbox.items)).toEqual([ROOM]);
    expect(s.inbox.nextCursor).toBe('N1');
    s = reduce(s, inboxPage([dm({ username: 'Bob', online: true }, { unread: 99, unreadMore: true })], null, false));
    expect(Object.keys(s.inbox.items).sort()).toEqual([BOB, ROOM].sort());
    expect(s.inbox.nextCursor).toBeNull();
    expect(selectTotalUnread(s)).toBe(105);
  });

  it('the open conversation keeps its place and no badge through a refresh', () => {
    let s = run(signedIn(), { type: 'openConversation', conversation: conversationWith('Bob') });
    s = reduce(s, inboxPage([dm({ username: 'Bob', online: true }, { unread: 3 }), roomView()]));
    expect(unread(s, BOB)).toBe(0);
    s = reduce(s, inboxPage([roomView()]));
    expect(s.inbox.items[BOB]).toBeDefined();
  });

  it('a page never moves a read point back (a readState may have come after the server made it)', () => {
    let s = run(signedIn(), inboxPage([dm({ username: 'Bob', online: true }, { readMessageId: '01B', otherReadMessageId: '01B' })]));
    s = reduce(s, server({ type: 'readState', conversationId: BOB, username: 'alice', messageId: '01C' }));
    s = reduce(s, inboxPage([dm({ username: 'Bob', online: true }, { readMessageId: '01B', otherReadMessageId: '01A' })]));
    expect(s.inbox.items[BOB]).toMatchObject({ readMessageId: '01C', otherReadMessageId: '01B' });
  });

  it('loading flags of the inbox', () => {
    let s = reduce(signedIn(), { type: 'inboxRequested' });
    expect(s.inbox.loading).toBe(true);
    s = reduce(s, { type: 'inboxFailed' });
    expect(s.inbox.loading).toBe(false);
    s = run(s, { type: 'inboxRequested' }, { type: 'connection', state: 'reconnecting' });
    expect(s.inbox.loading).toBe(false);
  });
});

describe('read state', () => {
  const m1 = msg('Bob', 'alice', 100);
  const m2 = msg('Bob', 'alice', 200);
  const m3 = msg('Bob', 'alice', 300);

  function withUnread(): AppState {
    return run(signedIn(), ...[m1, m2, m3].map((message) => server({ type: 'message', message })));
  }

  it('my read point at the newest message (read in another tab) clears the badge', () => {
    let s = withUnread();
    expect(unread(s, BOB)).toBe(3);
    s = reduce(s, server({ type: 'readState', conversationId: BOB, username: 'alice', messageId: m3.id }));
    expect(unread(s, BOB)).toBe(0);
    expect(s.inbox.items[BOB]!.readMessageId).toBe(m3.id);
  });

  it('a read point before the newest leaves the messages after it unread', () => {
    let s = withUnread();
    s = reduce(s, server({ type: 'readState', conversationId: BOB, username: 'Alice', messageId: m1.id }));
    expect(unread(s, BOB)).toBe(2);
    // Forward only: an older read point changes nothing.
    s = reduce(s, server({ type: 'readState', conversationId: BOB, username: 'alice', messageId: '00' }));
    expect(s.inbox.items[BOB]!.readMessageId).toBe(m1.id);
  });

  it("the other user's read point moves \"Seen\" (forward only); their message shows they read up to it", () => {
    let s = signedIn();
    s = reduce(s, server({ type: 'readState', conversationId: BOB, username: 'Bob', messageId: '00B' }));
    expect(s.inbox.items[BOB]!.otherReadMessageId).toBe('00B');
    s = reduce(s, server({ type: 'readState', conversationId: BOB, username: 'Bob', messageId: '00A' }));
    expect(s.inbox.items[BOB]!.otherReadMessageId).toBe('00B');
    const theirs = msg('Bob', 'alice', 500);
    s = reduce(s, server({ type: 'message', message: theirs }));
    expect(s.inbox.items[BOB]!.otherReadMessageId).toBe(theirs.id);
    expect(unread(s, BOB)).toBe(1);
  });

  it('a readState of a conversation not listed changes nothing', () => {
    const s = signedIn();
    expect(reduce(s, server({ type: 'readState', conversationId: 'dm#alice#zed', username: 'alice', messageId: '01' }))).toBe(s);
  });
});

describe('rooms', () => {
  const ROOM = 'room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6';
  const room = (extra: Partial<RoomView> = {}): RoomView => ({ conversationId: ROOM, name: 'Project', memberCount: 3, createdBy: 'alice', createdAt: 50, ...extra });
  const membersPage = (members: { username: string; role: 'owner' | 'admin' | 'member'; readMessageId?: string; online?: boolean }[], first = true, nextCursor: string | null = null): Action => ({
    type: 'membersPage',
    page: { type: 'members', conversationId: ROOM, members: members.map((m) => ({ online: false, ...m })), nextCursor },
    first,
  });
  const roomMessage = (from: string, sentAt: number) => ({ ...msg(from, 'x', sentAt), conversationId: ROOM, to: undefined });

  it('my createRoom answer adds the room, mine as owner', () => {
    const s = reduce(signedIn(), server({ type: 'room', room: room(), requestId: 'r1' }));
    expect(s.inbox.items[ROOM]).toMatchObject({ kind: 'room', name: 'Project', memberCount: 3, role: 'owner', lastActivityAt: 50, unread: 0 });
    expect(selectInbox(s)[0]!.title).toBe('Project');
  });

  it('a rename reaches the inbox, the open history and its title', () => {
    let s = run(signedIn(), server({ type: 'room', room: room() }), { type: 'openConversation', conversation: roomConversation(ROOM) });
    expect(s.conversations[ROOM]).toMatchObject({ kind: 'room', name: 'Project' });
    s = reduce(s, server({ type: 'room', room: room({ name: 'Renamed', createdBy: 'bob' }) }));
    expect(s.inbox.items[ROOM]).toMatchObject({ name: 'Renamed', role: 'owner' });
    expect(s.conversations[ROOM]).toMatchObject({ name: 'Renamed' });
  });

  it('added to a room: it joins the inbox as a member, active from then', () => {
    const s = reduce(
      signedIn(),
      server({ type: 'membership', conversationId: ROOM, room: room({ createdBy: 'bob' }), change: 'added', users: ['Alice', 'dave'], by: 'bob' }, 9000),
    );
    expect(s.inbox.items[ROOM]).toMatchObject({ role: 'member', lastActivityAt: 9000, memberCount: 3 });
    expect(selectInbox(s)[0]!.title).toBe('Project');
  });

  it("others added, removed and roles changed: the count, the members and my role follow; an ownership transfer makes the giver admin", () => {
    let s = run(
      signedIn(),
      server({ type: 'room', room: room() }),
      membersPage([
        { username: 'alice', role: 'owner' },
        { username: 'bob', role: 'member' },
        { username: 'carol', role: 'member' },
      ]),
    );
    s = reduce(s, server({ type: 'membership', conversationId: ROOM, room: room({ memberCount: 4 }), change: 'added', users: ['dave'], by: 'alice' }));
    expect(s.inbox.items[ROOM]!.memberCount).toBe(4);
    expect(s.members[ROOM]!.list.map((m) => m.username)).toEqual(['alice', 'bob', 'carol', 'dave']);
    s = reduce(s, server({ type: 'membership', conversationId: ROOM, room: room(), change: 'removed', users: ['carol'], by: 'alice' }));
    expect(s.members[ROOM]!.list.map((m) => m.username)).toEqual(['alice', 'bob', 'dave']);
    s = reduce(s, server({ type: 'membership', conversationId: ROOM, room: room(), change: 'role', role: 'admin', users: ['bob'], by: 'alice' }));
    expect(s.members[ROOM]!.list.find((m) => m.username === 'bob')!.role).toBe('admin');
    s = reduce(s, server({ type: 'membership', conversationId: ROOM, room: room(), change: 'role', role: 'owner', users: ['dave'], by: 'alice' }));
    expect(s.inbox.items[ROOM]!.role).toBe('admin');
    expect(s.members[ROOM]!.list.map((m) => [m.username, m.role])).toEqual([
      ['alice', 'admin'],
      ['bob', 'admin'],
      ['dave', 'owner'],
    ]);
    s = reduce(s, server({ type: 'membership', conversationId: ROOM, room: room(), change: 'role', role: 'member', users: ['alice'], by: 'dave' }));
    expect(s.inbox.items[ROOM]!.role).toBe('member');
  });

  it('removed from a room: it leaves the inbox, its history and members are forgotten, and its open view closes with a notice', () => {
    let s = run(
      signedIn(),
      server({ type: 'room', room: room() }),
      { type: 'openConversation', conversation: roomConversation(ROOM, 'Project') },
      server({ type: 'messages', conversationId: ROOM, messages: [roomMessage('bob', 100)], nextCursor: null }),
      membersPage([{ username: 'alice', role: 'member' }]),
      { type: 'send', conversation: roomConversation(ROOM), message: { clientMessageId: 'c-r', conversationId: ROOM, text: 'hi', createdAt: 1, status: 'pending' } },
    );
    s = reduce(s, server({ type: 'membership', conversationId: ROOM, room: room({ memberCount: 2 }), change: 'removed', users: ['alice'], by: 'bob' }));
    expect(s.inbox.items[ROOM]).toBeUndefined();
    expect(s.conversations[ROOM]).toBeUndefined();
    expect(s.members[ROOM]).toBeUndefined();
    expect(s.outbox).toEqual({});
    expect(s.openConversationId).toBeNull();
    expect(s.notice).toEqual({ code: 'removed_from_room', message: 'You were removed from “Project” by bob.' });
  });

  it('leaving a room (another tab, or this one) takes it away too', () => {
    let s = run(signedIn(), server({ type: 'room', room: room() }), { type: 'openConversation', conversation: roomConversation(ROOM) });
    s = reduce(s, server({ type: 'membership', conversationId: ROOM, room: room(), change: 'left', users: ['alice'], by: 'alice' }));
    expect(s.inbox.items[ROOM]).toBeUndefined();
    expect(s.notice?.message).toBe('You left “Project”.');
  });

  it('a room message (no `to`) is filed under the room; its sender has read up to it', () => {
    let s = run(
      signedIn(),
      server({ type: 'room', room: room() }),
      membersPage([
        { username: 'alice', role: 'owner' },
        { username: 'bob', role: 'member', readMessageId: '00' },
      ]),
    );
    const m = roomMessage('bob', 100);
    s = reduce(s, server({ type: 'message', message: m }));
    expect(s.conversations[ROOM]).toMatchObject({ kind: 'room', name: 'Project' });
    expect(ids(s, ROOM)).toEqual([m.id]);
    expect(unread(s, ROOM)).toBe(1);
    expect(s.members[ROOM]!.list.find((x) => x.username === 'bob')!.readMessageId).toBe(m.id);
    expect(selectInbox(s)[0]!.item.lastMessage).toMatchObject({ messageId: m.id, from: 'bob' });
  });

  it('members pages: the first replaces (read points forward only), later ones add; presence from them is known', () => {
    let s = run(signedIn(), server({ type: 'room', room: room() }), { type: 'membersRequested', conversationId: ROOM });
    expect(s.members[ROOM]!.loading).toBe(true);
    s = reduce(s, membersPage([{ username: 'bob', role: 'member', readMessageId: '01B', online: true }], true, 'M1'));
    expect(s.members[ROOM]).toMatchObject({ loading: false, nextCursor: 'M1' });
    expect(selectPresence(s, 'bob')).toBe('online');
    s = reduce(s, membersPage([{ username: 'erin', role: 'member' }], false));
    expect(s.members[ROOM]!.list.map((m) => m.username)).toEqual(['bob', 'erin']);
    expect(selectPresence(s, 'erin')).toBe('offline');
    s = reduce(s, membersPage([{ username: 'bob', role: 'member', readMessageId: '01A' }]));
    expect(s.members[ROOM]!.list).toEqual([{ username: 'bob', role: 'member', readMessageId: '01B' }]);
    s = run(s, { type: 'membersRequested', conversationId: ROOM }, { type: 'membersFailed', conversationId: ROOM });
    expect(s.members[ROOM]!.loading).toBe(false);
  });

  it('a history page of a room not held yet is filed under it', () => {
    const s = reduce(signedIn(), server({ type: 'messages', conversationId: ROOM, messages: [roomMessage('bob', 1)], nextCursor: null }));
    expect(s.conversations[ROOM]).toMatchObject({ kind: 'room', id: ROOM });
  });

  it('errors of room requests are left to whoever asked (no notice)', () => {
    const s = signedIn();
    expect(reduce(s, server({ type: 'error', code: 'owner_must_transfer', message: 'no', action: 'removeMember', requestId: 'r' }))).toBe(s);
    expect(reduce(s, server({ type: 'error', code: 'room_full', message: 'no', action: 'addMembers' }))).toBe(s);
    expect(reduce(s, server({ type: 'error', code: 'invalid_message_id', message: 'no', action: 'markRead' }))).toBe(s);
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
    expect(unread(s, BOB)).toBe(0);
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
    expect(s.conversations[BOB]).toMatchObject({ nextCursor: 'k6', loadingNewest: false });
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
    conv = mergePage(conv, newestFirst(6, 10), 'k6');
    conv = mergePage(conv, newestFirst(2, 6), 'k2');
    conv = mergePage(conv, newestFirst(6, 10), 'k6');
    expect(conv.nextCursor).toBe('k2');
    expect(conv.messages.map((m) => m.id)).toEqual(all.slice(2).map((m) => m.id));
  });

  it('an empty conversation reaches its start at once', () => {
    const conv = mergePage(emptyConversation(conversationWith('Bob')), [], null);
    expect(conv).toMatchObject({ messages: [], nextCursor: null });
  });

  it('a newest page past a gap replaces what is loaded (messages missed while disconnected)', () => {
    let conv = mergePage(emptyConversation(conversationWith('Bob')), newestFirst(0, 3), 'k0');
    conv = mergePage(conv, newestFirst(7, 10), 'k7');
    expect(conv.messages.map((m) => m.id)).toEqual(all.slice(7).map((m) => m.id));
    expect(conv.nextCursor).toBe('k7');
  });

  it('history pages leave unread counts to the server (the inbox page of the resync)', () => {
    let s = signedIn();
    s = reduce(s, server({ type: 'messages', conversationId: BOB, with: 'bob', messages: newestFirst(0, 4), nextCursor: null }));
    s = reduce(s, server({ type: 'messages', conversationId: BOB, with: 'bob', messages: newestFirst(2, 8), nextCursor: 'k2' }));
    expect(unread(s, BOB)).toBe(0);
  });

  it('matches a page by conversationId; a page of a conversation not held and naming nobody is dropped', () => {
    let s = reduce(signedIn(), { type: 'openConversation', conversation: conversationWith('Bob') });
    s = reduce(s, server({ type: 'messages', conversationId: BOB, messages: newestFirst(0, 2), nextCursor: null }));
    expect(ids(s, BOB)).toEqual(all.slice(0, 2).map((m) => m.id));
    const unknown = reduce(s, server({ type: 'messages', conversationId: 'dm#x#y', messages: [], nextCursor: null }));
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
    expect(selectInbox(s).find((e) => e.title === 'Bob')!.user!.avatarKey).toBe('avatars/bob/2.png');
    s = reduce(s, server({ type: 'profile', user: { username: 'Bob', online: true } }));
    expect(s.users.bob).toEqual({ username: 'Bob', online: true });
  });

  it('my own profile answer updates me', () => {
    const s = reduce(signedIn(), server({ type: 'profile', requestId: 'r-1', user: { username: 'Alice', online: true, avatarKey: 'avatars/alice/1.png' } }));
    expect(s.users.alice!.avatarKey).toBe('avatars/alice/1.png');
    expect(s.notice).toBeNull();
  });

  it('presence keeps a picture it does not mention; profile removes it', () => {
    let s = reduce(signedIn(), server({ type: 'profile', user: { username: 'Bob', online: true, avatarKey: 'avatars/bob/1.png' } }));
    s = reduce(s, server({ type: 'presence', user: { username: 'Bob', online: false, lastSeen: 9 } }));
    expect(s.users.bob).toEqual({ username: 'Bob', online: false, lastSeen: 9, avatarKey: 'avatars/bob/1.png' });
    s = reduce(s, server({ type: 'presence', user: { username: 'Bob', online: true, avatarKey: 'avatars/bob/2.png' } }));
    expect(s.users.bob!.avatarKey).toBe('avatars/bob/2.png');
    s = reduce(s, server({ type: 'profile', user: { username: 'Bob', online: true } }));
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

describe('refusals of #14 in words for people', () => {
  it('a message refused because I am no longer in the room says so', () => {
    const ROOM = 'room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6';
    let s = reduce(signedIn(), { type: 'send', conversation: roomConversation(ROOM), message: { clientMessageId: 'c-1', conversationId: ROOM, text: 'hi', createdAt: 1, status: 'pending' } });
    s = reduce(s, server({ type: 'error', code: 'not_a_member', message: 'not_a_member', action: 'sendMessage', clientMessageId: 'c-1' }));
    expect(s.outbox['c-1']!.error!.message).toMatch(/not a member/);
    s = reduce(s, server({ type: 'error', code: 'not_a_member', message: 'x', action: 'getMessages' }));
    expect(s.notice!.message).toMatch(/not a member/);
  });
});
