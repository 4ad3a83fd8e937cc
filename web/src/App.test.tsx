// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App, conversationFromHash } from './App';
import { ChatClient } from './protocol/client';
import type { KeyValueStorage, TransportFactory } from './protocol/session';
import { FakeSocket, fakeSocketFactory, msg } from './test/fakes';

const createTransport: TransportFactory = (url, handlers, options) =>
  new ChatClient({ url, ...handlers, ...options, createSocket: fakeSocketFactory, random: () => 0 });

function memoryStorage(): KeyValueStorage {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

const loadConfig = async () => ({ websocketUrl: 'ws://gateway.test/local' });

async function signIn(name = 'alice') {
  render(<App loadConfig={loadConfig} createTransport={createTransport} storage={memoryStorage()} />);
  const field = await screen.findByLabelText('Username');
  fireEvent.change(field, { target: { value: name } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  const socket = FakeSocket.last();
  expect(socket.url).toBe(`ws://gateway.test/local?username=${name}`);
  return socket;
}

async function online(name = 'alice') {
  const socket = await signIn(name);
  act(() => {
    socket.open();
    socket.receive({
      type: 'clients',
      users: [
        { username: name, online: true },
        { username: 'Bob', online: true },
        { username: 'carol', online: false, lastSeen: Date.now() - 5.5 * 60_000 },
      ],
    });
  });
  await screen.findByTestId('people-list');
  return socket;
}

beforeEach(() => {
  FakeSocket.reset();
  window.history.replaceState(null, '', '/');
});
afterEach(cleanup);

describe('App', () => {
  it('shows a refused sign-in inline and stays on the form', async () => {
    const socket = await signIn('taken');
    expect(screen.getByRole('button', { name: 'Connecting…' })).toBeTruthy();
    act(() => socket.serverClose(1006));
    expect(screen.getByRole('alert').textContent).toContain('Could not connect as “taken”');
    expect(screen.getByLabelText('Username')).toBeTruthy();
  });

  it('validates the username before connecting', async () => {
    render(<App loadConfig={loadConfig} createTransport={createTransport} storage={memoryStorage()} />);
    fireEvent.change(await screen.findByLabelText('Username'), { target: { value: 'no spaces' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByTestId('sign-in-error').textContent).toMatch(/1–32 characters/);
    expect(FakeSocket.instances).toHaveLength(0);
  });

  it('lists people with presence, counts unread, opens a conversation and sends', async () => {
    const socket = await online();
    expect(screen.getByTestId('connection-status').dataset.state).toBe('online');
    const bob = screen.getByTestId('person-bob');
    expect(bob.getAttribute('aria-label')).toBe('Bob, online');
    expect(screen.getByTestId('person-carol').getAttribute('aria-label')).toBe('carol, last seen 5 minutes ago');
    expect(screen.queryByTestId('person-alice')).toBeNull();

    act(() => socket.receive({ type: 'message', message: msg('Bob', 'alice', Date.now(), 'psst') }));
    expect(within(bob).getByTestId('unread-badge').textContent).toBe('1');
    expect(bob.getAttribute('aria-label')).toBe('Bob, online, 1 unread message');

    fireEvent.click(bob);
    expect(bob.getAttribute('aria-current')).toBe('true');
    expect(within(bob).queryByTestId('unread-badge')).toBeNull();
    expect(window.location.hash).toBe('#/with/Bob');
    expect(socket.actions().at(-1)).toEqual({ action: 'getMessages', with: 'Bob', limit: 50 });
    const log = screen.getByRole('log', { name: 'Messages with Bob' });
    expect(within(log).getByText('psst')).toBeTruthy();

    const input = screen.getByLabelText('Message');
    fireEvent.change(input, { target: { value: '<img src=x onerror=alert(1)> hi' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    const sent = socket.actions().at(-1);
    expect(sent).toMatchObject({ action: 'sendMessage', to: 'Bob', text: '<img src=x onerror=alert(1)> hi' });
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
    fireEvent.click(screen.getByTestId('person-bob'));
    act(() => socket.receive({ type: 'messages', with: 'Bob', messages: [msg('Bob', 'alice', 2_000_000, 'newer')], nextCursor: 'C1' }));
    fireEvent.click(screen.getByRole('button', { name: 'Load older messages' }));
    expect(socket.actions().at(-1)).toEqual({ action: 'getMessages', with: 'Bob', limit: 50, cursor: 'C1' });
    expect(screen.getByTestId('loading-older')).toBeTruthy();
    act(() => socket.receive({ type: 'messages', with: 'Bob', messages: [msg('Bob', 'alice', 1_000_000, 'older')], nextCursor: null }));
    expect(screen.getByTestId('history-start')).toBeTruthy();
    expect(screen.getAllByTestId('message-text').map((e) => e.textContent)).toEqual(['older', 'newer']);
  });

  it('shows reconnecting, then resyncs', async () => {
    const socket = await online();
    act(() => socket.serverClose(1001, 'Going away'));
    expect(screen.getByTestId('connection-status').dataset.state).toBe('reconnecting');
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(2), { timeout: 3000 });
    act(() => FakeSocket.last().open());
    expect(screen.getByTestId('connection-status').dataset.state).toBe('online');
    expect(FakeSocket.last().actions()[0]).toEqual({ action: 'getClients' });
  });

  it('signs out back to the form; the next user of the tab does not get the drafts', async () => {
    await online();
    fireEvent.click(screen.getByTestId('person-carol'));
    fireEvent.change(screen.getByLabelText('Message'), { target: { value: 'half-written' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    const field = screen.getByLabelText('Username');
    fireEvent.change(field, { target: { value: 'dave' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    act(() => {
      FakeSocket.last().open();
      FakeSocket.last().receive({ type: 'clients', users: [{ username: 'carol', online: true }] });
    });
    fireEvent.click(await screen.findByTestId('person-carol'));
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
    await waitFor(() => expect(within(screen.getByTestId('person-bob')).getByTestId('avatar').getAttribute('src')).toBe('https://s3.test/avatars/bob/1.png?sig'));

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
    fireEvent.click(screen.getByTestId('person-bob'));
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

describe('conversationFromHash', () => {
  it('accepts only valid usernames', () => {
    expect(conversationFromHash('#/with/Bob')).toBe('Bob');
    expect(conversationFromHash('#/with/a%20b')).toBeNull();
    expect(conversationFromHash('#/with/%E0%A4%A')).toBeNull();
    expect(conversationFromHash('#/')).toBeNull();
  });
});
