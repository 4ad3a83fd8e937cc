// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from './App';
import type { AppConfig } from './config/appConfig';
import { ChatClient, SUBPROTOCOL } from './protocol/client';
import { SESSION_ENDED_MESSAGE, type TransportFactory } from './state/session';
import { FakeAuthService } from './test/fakeAuth';
import { FakeSocket, fakeSocketFactory, msg } from './test/fakes';

const createTransport: TransportFactory = (options, handlers) =>
  new ChatClient({ ...options, ...handlers, createSocket: fakeSocketFactory, random: () => 0 });

const config: AppConfig = {
  websocketUrl: 'ws://gateway.test/local',
  auth: { region: 'us-east-1', userPoolId: 'us-east-1_Test', userPoolClientId: 'client1', endpoint: 'http://127.0.0.1:8709' },
};
const loadConfig = async () => config;

let auth: FakeAuthService;

function renderApp() {
  render(<App loadConfig={loadConfig} createAuth={() => auth} createTransport={createTransport} />);
}

/** Signs in through the form; resolves with the socket it opens (not open yet). */
async function signIn(name = 'alice') {
  auth.addUser(name, 'Passw0rd!');
  renderApp();
  fireEvent.change(await screen.findByLabelText('Username'), { target: { value: name } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'Passw0rd!' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  await waitFor(() => expect(FakeSocket.instances.length).toBeGreaterThan(0));
  const socket = FakeSocket.last();
  expect(socket.url).toBe('ws://gateway.test/local');
  expect(socket.protocols).toEqual([SUBPROTOCOL, `jwt-${name}-1`]);
  return socket;
}

/** Answers the last request of `action` the socket sent. */
function answer(socket: FakeSocket, action: string, event: Record<string, unknown>) {
  const request = socket.actions().filter((a) => a.action === action).at(-1) as { requestId: string } | undefined;
  if (!request) throw new Error(`no ${action} was sent`);
  socket.receive({ ...event, requestId: request.requestId });
}

const dm = (me: string, user: { username: string; online: boolean; lastSeen?: number }, lastActivityAt = 0) => ({
  conversationId: `dm#${[me.toLowerCase(), user.username.toLowerCase()].sort().join('#')}`,
  kind: 'direct',
  with: user,
  lastActivityAt,
  unread: 0,
  unreadMore: false,
});

/** Signed in and connected; the inbox lists Bob (online) and carol (offline). */
async function online(name = 'alice') {
  const socket = await signIn(name);
  act(() => socket.open());
  await act(async () =>
    answer(socket, 'getConversations', {
      type: 'conversations',
      conversations: [dm(name, { username: 'Bob', online: true }, 2), dm(name, { username: 'carol', online: false, lastSeen: Date.now() - 5.5 * 60_000 }, 1)],
      nextCursor: null,
    }),
  );
  await screen.findByTestId('inbox-list');
  return socket;
}

const INBOX = { action: 'getConversations', limit: 20, requestId: expect.any(String) };

beforeEach(() => {
  FakeSocket.reset();
  auth = new FakeAuthService();
  window.history.replaceState(null, '', '/');
});
afterEach(cleanup);

describe('App', () => {
  it('signs in, shows the chat at once as the user of the token, and connects with the token', async () => {
    const socket = await signIn('Alice');
    expect(screen.getByTestId('connection-status').dataset.state).toBe('connecting');
    expect(screen.getByRole('button', { name: 'Your profile (signed in as Alice)' })).toBeTruthy();
    act(() => socket.open());
    expect(screen.getByTestId('connection-status').dataset.state).toBe('online');
    expect(socket.actions()).toEqual([INBOX]);
  });

  it('a stored session (a reload) goes straight to the chat, without the form', async () => {
    auth.addUser('alice', 'Passw0rd!');
    auth.signedIn = { username: 'alice' };
    renderApp();
    await screen.findByRole('button', { name: 'Your profile (signed in as alice)' });
    expect(screen.queryByLabelText('Password')).toBeNull();
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    expect(FakeSocket.last().protocols).toEqual([SUBPROTOCOL, 'jwt-alice-1']);
  });

  it('says so when Cognito cannot be reached at start, and tries again', async () => {
    auth.failNext('currentUser', 'network');
    renderApp();
    expect((await screen.findByTestId('auth-unreachable')).textContent).toContain('Cannot reach the sign-in service');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByRole('heading', { name: 'Sign in' });
  });

  it('a reconnect refused by the authorizer force-refreshes the token once', async () => {
    const socket = await online();
    act(() => socket.serverClose(1001, 'Going away'));
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(2), { timeout: 3000 });
    act(() => FakeSocket.last().serverClose(1006)); // 401: closed before opening
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(3), { timeout: 3000 });
    expect(auth.tokenRequests).toEqual([{ forceRefresh: false }, { forceRefresh: false }, { forceRefresh: true }]);
    expect(FakeSocket.last().protocols).toEqual([SUBPROTOCOL, 'jwt-alice-2']);
    act(() => FakeSocket.last().open());
    expect(screen.getByTestId('connection-status').dataset.state).toBe('online');
  });

  it('when the token cannot be renewed any more, back to the sign-in screen with a message', async () => {
    const socket = await online();
    auth.endSession(); // the refresh token was revoked (signed out everywhere) or expired
    act(() => socket.serverClose(1001, 'Going away'));
    expect((await screen.findByTestId('session-ended', {}, { timeout: 3000 })).textContent).toBe(SESSION_ENDED_MESSAGE);
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('lists conversations with presence, counts unread, opens a conversation and sends', async () => {
    const socket = await online();
    expect(screen.getByTestId('connection-status').dataset.state).toBe('online');
    const bob = screen.getByTestId('inbox-dm-bob');
    expect(bob.getAttribute('aria-label')).toBe('Bob, online');
    expect(screen.getByTestId('inbox-dm-carol').getAttribute('aria-label')).toBe('carol, last seen 5 minutes ago');
    expect(screen.queryByTestId('inbox-dm-alice')).toBeNull();

    act(() => socket.receive({ type: 'message', message: msg('Bob', 'alice', Date.now(), 'psst') }));
    expect(within(bob).getByTestId('unread-badge').textContent).toBe('1');
    expect(bob.getAttribute('aria-label')).toBe('Bob, online, 1 unread message');

    fireEvent.click(bob);
    expect(bob.getAttribute('aria-current')).toBe('true');
    expect(within(bob).queryByTestId('unread-badge')).toBeNull();
    expect(window.location.hash).toBe('#/with/Bob');
    expect(socket.actions().at(-1)).toEqual({ action: 'getMessages', conversationId: 'dm#alice#bob', limit: 50 });
    const log = screen.getByRole('log', { name: 'Messages with Bob' });
    expect(within(log).getByText('psst')).toBeTruthy();

    const input = screen.getByLabelText('Message');
    fireEvent.change(input, { target: { value: '<img src=x onerror=alert(1)> hi' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    const sent = socket.actions().at(-1);
    expect(sent).toMatchObject({ action: 'sendMessage', conversationId: 'dm#alice#bob', text: '<img src=x onerror=alert(1)> hi' });
    const cmid = (sent as { clientMessageId: string }).clientMessageId;
    const pending = within(log).getAllByTestId('message').at(-1)!;
    expect(pending.dataset.status).toBe('pending');
    expect(log.querySelector('img')).toBeNull();

    act(() =>
      socket.receive({
        type: 'error',
        code: 'service_unavailable',
        message: 'storage failed',
        action: 'sendMessage',
        clientMessageId: cmid,
      }),
    );
    expect(within(log).getAllByTestId('message').at(-1)!.dataset.status).toBe('failed');
    fireEvent.click(within(log).getByRole('button', { name: 'Retry' }));
    expect(socket.actions().at(-1)).toEqual(sent);
    act(() =>
      socket.receive({
        type: 'messageAck',
        duplicate: false,
        message: msg('alice', 'Bob', Date.now(), '<img src=x onerror=alert(1)> hi', { clientMessageId: cmid }),
      }),
    );
    const last = within(log).getAllByTestId('message').at(-1)!;
    expect(last.dataset.status).toBe('sent');
    expect(within(last).getByTestId('message-text').textContent).toBe('<img src=x onerror=alert(1)> hi');
  });

  it('loads older pages from the cursor and shows the start of the conversation', async () => {
    const socket = await online();
    fireEvent.click(screen.getByTestId('inbox-dm-bob'));
    act(() => socket.receive({ type: 'messages', conversationId: 'dm#alice#bob', with: 'Bob', messages: [msg('Bob', 'alice', 2_000_000, 'newer')], nextCursor: 'C1' }));
    fireEvent.click(screen.getByRole('button', { name: 'Load older messages' }));
    expect(socket.actions().at(-1)).toEqual({ action: 'getMessages', conversationId: 'dm#alice#bob', limit: 50, cursor: 'C1' });
    expect(screen.getByTestId('loading-older')).toBeTruthy();
    act(() => socket.receive({ type: 'messages', conversationId: 'dm#alice#bob', with: 'Bob', messages: [msg('Bob', 'alice', 1_000_000, 'older')], nextCursor: null }));
    expect(screen.getByTestId('history-start')).toBeTruthy();
    expect(screen.getAllByTestId('message-text').map((e) => e.textContent)).toEqual(['older', 'newer']);
  });

  it('shows reconnecting, then resyncs', async () => {
    const socket = await online();
    act(() => socket.serverClose(1001, 'Going away'));
    expect(screen.getByTestId('connection-status').dataset.state).toBe('reconnecting');
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(2), { timeout: 3000 });
    expect(FakeSocket.last().protocols[1]).toBe('jwt-alice-1');
    act(() => FakeSocket.last().open());
    expect(screen.getByTestId('connection-status').dataset.state).toBe('online');
    expect(FakeSocket.last().actions()[0]).toEqual(INBOX);
  });

  it('signs out globally, closes the socket and clears the app; the next user of the tab does not get the drafts', async () => {
    const socket = await online();
    fireEvent.click(screen.getByTestId('inbox-dm-carol'));
    fireEvent.change(screen.getByLabelText('Message'), { target: { value: 'half-written' } });
    const release = auth.hold('signOut');
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    // The socket closes at once; the form waits for the global sign-out (revoking the refresh token).
    expect(socket.closedWith?.code).toBe(1000);
    expect(screen.getByRole('status').textContent).toBe('Signing out…');
    await act(async () => release());
    expect(auth.calls.filter((c) => c === 'signOut')).toHaveLength(1);
    expect(auth.signedIn).toBeNull();
    expect(window.location.hash).toBe('');

    auth.addUser('dave', 'Passw0rd!');
    fireEvent.change(await screen.findByLabelText('Username'), { target: { value: 'dave' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'Passw0rd!' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(2));
    act(() => FakeSocket.last().open());
    await act(async () =>
      answer(FakeSocket.last(), 'getConversations', { type: 'conversations', conversations: [dm('dave', { username: 'carol', online: true })], nextCursor: null }),
    );
    fireEvent.click(await screen.findByTestId('inbox-dm-carol'));
    expect((screen.getByLabelText('Message') as HTMLTextAreaElement).value).toBe('');
  });
});

describe('App media', () => {
  type Sent = { action: string; requestId?: string; keys?: string[]; key?: string | null };
  const lastSent = (socket: FakeSocket, action: string) => socket.actions().filter((a) => a.action === action).at(-1) as Sent | undefined;
  const answered = new Set<string>();
  /** Answers the next getDownloadUrl not answered yet with a URL per key. */
  async function answerDownloads(socket: FakeSocket) {
    let ask: Sent | undefined;
    await waitFor(() => {
      ask = (socket.actions() as Sent[]).find((a) => a.action === 'getDownloadUrl' && !answered.has(a.requestId!));
      expect(ask).toBeTruthy();
    });
    answered.add(ask!.requestId!);
    act(() =>
      socket.receive({
        type: 'downloadUrls',
        requestId: ask!.requestId,
        urls: Object.fromEntries(ask!.keys!.map((k) => [k, `https://s3.test/${k}?sig`])),
        expiresAt: Date.now() + 600_000,
      }),
    );
    return ask!.keys!;
  }

  it('shows pictures of people, changes my own, and shows an image attachment inline', async () => {
    const put = vi.fn(async (_url: string, _init?: RequestInit) => new Response(null, { status: 200 }));
    vi.stubGlobal('fetch', put);
    const socket = await online();
    act(() => socket.receive({ type: 'profile', user: { username: 'Bob', online: true, avatarKey: 'avatars/bob/1.png' } }));
    expect(await answerDownloads(socket)).toEqual(['avatars/bob/1.png']);
    await waitFor(() => expect(within(screen.getByTestId('inbox-dm-bob')).getByTestId('avatar').getAttribute('src')).toBe('https://s3.test/avatars/bob/1.png?sig'));

    // My profile: Change picture → getUploadUrl → PUT → setAvatar → profile.
    fireEvent.click(screen.getByRole('button', { name: 'Your profile (signed in as alice)' }));
    const panel = screen.getByTestId('profile-panel');
    expect(within(panel).getByRole('heading', { name: 'Your profile' })).toBeTruthy();
    expect(within(panel).queryByRole('button', { name: 'Remove picture' })).toBeNull();
    const fileInput = within(panel).getByTestId('avatar-input') as HTMLInputElement;
    expect(fileInput.accept).toBe('image/png,image/jpeg,image/webp,image/gif');
    const file = new File([new Uint8Array(64)], 'me.png', { type: 'image/png' });
    Object.defineProperty(fileInput, 'files', { value: [file], configurable: true });
    fireEvent.change(fileInput);
    expect(within(panel).getByRole('status').textContent).toBe('Uploading picture…');
    await waitFor(() => expect(lastSent(socket, 'getUploadUrl')).toBeTruthy());
    const ask = lastSent(socket, 'getUploadUrl')!;
    expect(ask).toMatchObject({ purpose: 'avatar', contentType: 'image/png', size: 64 });
    act(() =>
      socket.receive({
        type: 'uploadUrl',
        requestId: ask.requestId,
        purpose: 'avatar',
        key: 'avatars/alice/9.png',
        url: 'https://s3.test/avatars/alice/9.png?put',
        method: 'PUT',
        headers: { 'content-type': 'image/png' },
        contentType: 'image/png',
        size: 64,
        expiresAt: Date.now() + 300_000,
      }),
    );
    await waitFor(() => expect(lastSent(socket, 'setAvatar')).toMatchObject({ key: 'avatars/alice/9.png' }));
    expect(put).toHaveBeenCalledWith('https://s3.test/avatars/alice/9.png?put', expect.objectContaining({ method: 'PUT', body: file }));
    act(() => socket.receive({ type: 'profile', requestId: lastSent(socket, 'setAvatar')!.requestId, user: { username: 'alice', online: true, avatarKey: 'avatars/alice/9.png' } }));
    await waitFor(() => expect(within(panel).getByRole('status').textContent).toBe('Profile picture updated.'));
    expect(await answerDownloads(socket)).toEqual(['avatars/alice/9.png']);
    await waitFor(() => expect(within(panel).getByTestId('avatar').getAttribute('src')).toBe('https://s3.test/avatars/alice/9.png?sig'));
    expect(within(panel).getByRole('button', { name: 'Remove picture' })).toBeTruthy();
    fireEvent.click(within(panel).getByRole('button', { name: 'Close profile' }));

    // An image from Bob shows inline; a PDF as a chip.
    fireEvent.click(screen.getByTestId('inbox-dm-bob'));
    const image = { key: 'attachments/dm/alice/bob/bob/1.png', name: 'sunset.png', contentType: 'image/png', size: 1234 };
    const doc = { key: 'attachments/dm/alice/bob/bob/2.pdf', name: 'plan.pdf', contentType: 'application/pdf', size: 4321 };
    act(() => {
      socket.receive({ type: 'message', message: msg('Bob', 'alice', Date.now(), '', { attachment: image }) });
      socket.receive({ type: 'message', message: msg('Bob', 'alice', Date.now() + 1, 'the plan', { attachment: doc }) });
    });
    await answerDownloads(socket);
    const log = screen.getByRole('log', { name: 'Messages with Bob' });
    await waitFor(() => expect(within(log).getByRole('img', { name: 'sunset.png' }).getAttribute('src')).toBe('https://s3.test/attachments/dm/alice/bob/bob/1.png?sig'));
    expect(within(log).getByRole('button', { name: 'Download plan.pdf, 4.2 KB' })).toBeTruthy();
    expect(within(log).getAllByTestId('message-text').map((e) => e.textContent)).toEqual(['the plan']);
    vi.unstubAllGlobals();
  });
});


describe('App: inbox, people search, rooms and read receipts (#14)', () => {
  const ULID = '01JDQ8Z7W4K3M2N1P0Q9R8S7T6';
  const ROOM = `room#${ULID}`;
  const room = { conversationId: ROOM, name: 'Project', memberCount: 3, createdBy: 'alice', createdAt: Date.now() };
  const roomMessage = (from: string, text: string, extra = {}) => ({ ...msg(from, 'x', Date.now(), text, extra), conversationId: ROOM, to: undefined });

  it('an unread badge cleared by a read in another tab', async () => {
    const socket = await online();
    const m = msg('Bob', 'alice', Date.now(), 'hey');
    act(() => socket.receive({ type: 'message', message: m }));
    const bob = screen.getByTestId('inbox-dm-bob');
    expect(within(bob).getByTestId('unread-badge').textContent).toBe('1');
    expect(within(bob).getByTestId('inbox-preview').textContent).toBe('hey');
    expect(document.title).toBe('(1) Chatastrophy');
    act(() => socket.receive({ type: 'readState', conversationId: 'dm#alice#bob', username: 'alice', messageId: m.id }));
    expect(within(bob).queryByTestId('unread-badge')).toBeNull();
    expect(document.title).toBe('Chatastrophy');
  });

  it('shows "99+" from the server\'s count', async () => {
    const socket = await signIn();
    act(() => socket.open());
    await act(async () =>
      answer(socket, 'getConversations', {
        type: 'conversations',
        conversations: [{ ...dm('alice', { username: 'Bob', online: true }), unread: 99, unreadMore: true }],
        nextCursor: null,
      }),
    );
    const bob = await screen.findByTestId('inbox-dm-bob');
    expect(within(bob).getByTestId('unread-badge').textContent).toBe('99+');
    expect(bob.getAttribute('aria-label')).toBe('Bob, online, more than 99 unread messages');
  });

  it('people search opens (or starts) the direct conversation', async () => {
    const socket = await online();
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search people' }), { target: { value: 'Da' } });
    await waitFor(() => expect(socket.actions().at(-1)).toMatchObject({ action: 'searchPeople', prefix: 'da', limit: 20 }));
    await act(async () => answer(socket, 'searchPeople', { type: 'people', users: [{ username: 'alice' }, { username: 'dave' }], nextCursor: null }));
    const results = screen.getByTestId('people-results');
    expect(within(results).queryByTestId('person-result-alice')).toBeNull(); // not me
    fireEvent.click(within(results).getByRole('button', { name: 'Message dave' }));
    expect(window.location.hash).toBe('#/with/dave');
    expect(screen.getByRole('region', { name: 'Conversation with dave' })).toBeTruthy();
    expect(socket.actions().at(-1)).toEqual({ action: 'getMessages', conversationId: 'dm#alice#dave', limit: 50 });
  });

  it('"Seen" under my message once the other user has read it', async () => {
    const socket = await online();
    fireEvent.click(screen.getByTestId('inbox-dm-bob'));
    const mine = msg('alice', 'Bob', Date.now(), 'did you see?');
    act(() => socket.receive({ type: 'messages', conversationId: 'dm#alice#bob', with: 'Bob', messages: [mine], nextCursor: null }));
    expect(screen.queryByTestId('seen-receipt')).toBeNull();
    act(() => socket.receive({ type: 'readState', conversationId: 'dm#alice#bob', username: 'Bob', messageId: mine.id }));
    const seen = screen.getByTestId('seen-receipt');
    expect(seen.textContent).toBe('Seen');
    expect(seen.closest('[data-testid="message"]')!.getAttribute('data-message-id')).toBe(mine.id);
  });

  it('creates a room with a first member, opens it, shows its members and "Read by N"', async () => {
    const socket = await online();
    fireEvent.click(screen.getByRole('button', { name: 'New room' }));
    const dialog = screen.getByTestId('new-room-dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create room' }));
    expect(within(dialog).getByTestId('room-name-error').textContent).toBe('Give the room a name.');
    fireEvent.change(within(dialog).getByLabelText('Room name'), { target: { value: ' Project ' } });
    fireEvent.change(within(dialog).getByTestId('member-search'), { target: { value: 'bo' } });
    await waitFor(() => expect(socket.actions().at(-1)).toMatchObject({ action: 'searchPeople', prefix: 'bo' }));
    await act(async () => answer(socket, 'searchPeople', { type: 'people', users: [{ username: 'Bob' }], nextCursor: null }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add Bob' }));
    expect(within(dialog).getByTestId('picked-bob')).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create room' }));
    expect(socket.actions().at(-1)).toEqual({ action: 'createRoom', name: 'Project', members: ['Bob'], requestId: expect.any(String) });
    await act(async () => answer(socket, 'createRoom', { type: 'room', room: { ...room, memberCount: 2 } }));
    await waitFor(() => expect(screen.queryByTestId('new-room-dialog')).toBeNull());
    expect(window.location.hash).toBe(`#/room/${ULID}`);
    const conversation = screen.getByRole('region', { name: 'Room Project' });
    expect(within(conversation).getByTestId('conversation-members').textContent).toBe('2 members');
    expect(within(screen.getByTestId(`inbox-room-${ULID}`)).getByTestId('inbox-title').textContent).toBe('Project');
    await waitFor(() => expect(socket.actions().some((a) => a.action === 'getMembers')).toBe(true));
    const mine = roomMessage('alice', 'hello room');
    await act(async () => {
      socket.receive({ type: 'messages', conversationId: ROOM, messages: [mine], nextCursor: null });
      answer(socket, 'getMembers', {
        type: 'members',
        conversationId: ROOM,
        members: [
          { username: 'alice', role: 'owner', online: true, readMessageId: mine.id },
          { username: 'Bob', role: 'member', online: true, readMessageId: mine.id },
        ],
        nextCursor: null,
      });
    });
    expect(screen.getByTestId('read-by-receipt').textContent).toBe('Read by 1');
    await waitFor(() => expect(socket.actions().at(-1)).toMatchObject({ action: 'watchPresence', conversationId: ROOM, usernames: ['Bob'] }));
  });

  it('the members panel: roles, actions of the owner, leaving asks to transfer first; removal closes the room with a notice', async () => {
    const socket = await online();
    act(() => socket.receive({ type: 'room', room })); // mine: I am its owner
    fireEvent.click(screen.getByTestId(`inbox-room-${ULID}`));
    expect(window.location.hash).toBe(`#/room/${ULID}`);
    fireEvent.click(screen.getByRole('button', { name: 'Members, 3 members' }));
    const panel = screen.getByTestId('members-panel');
    const members = [
      { username: 'alice', role: 'owner', online: true },
      { username: 'Bob', role: 'admin', online: true },
      { username: 'carol', role: 'member', online: false, lastSeen: Date.now() - 60_000 },
    ];
    await act(async () => answer(socket, 'getMembers', { type: 'members', conversationId: ROOM, members, nextCursor: null }));
    const carol = within(panel).getByTestId('member-carol');
    expect(carol.dataset.role).toBe('member');
    expect(within(within(panel).getByTestId('member-bob')).getByTestId('role-badge').textContent).toBe('Admin');
    fireEvent.click(within(panel).getByRole('button', { name: 'Actions for carol' }));
    fireEvent.click(within(carol).getByRole('button', { name: 'Make admin' }));
    expect(socket.actions().at(-1)).toEqual({ action: 'setRole', conversationId: ROOM, username: 'carol', role: 'admin', requestId: expect.any(String) });
    await act(async () => answer(socket, 'setRole', { type: 'error', code: 'forbidden_role', message: 'no', action: 'setRole' }));
    expect(within(panel).getByTestId('members-error').textContent).toBe('Your role in this room does not allow that.');

    fireEvent.click(within(panel).getByRole('button', { name: 'Leave room' }));
    expect(screen.getByTestId('leave-room-blocked').textContent).toMatch(/make someone else the owner/);
    fireEvent.click(screen.getByRole('button', { name: 'OK' }));

    act(() => socket.receive({ type: 'membership', conversationId: ROOM, room, change: 'removed', users: ['alice'], by: 'Bob' }));
    expect(screen.getByTestId('notice').textContent).toContain('You were removed from “Project” by Bob.');
    expect(screen.queryByTestId('conversation')).toBeNull();
    expect(screen.queryByTestId(`inbox-room-${ULID}`)).toBeNull();
    expect(window.location.hash).toBe('#/');
  });
});
