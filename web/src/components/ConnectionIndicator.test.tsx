// @vitest-environment happy-dom
// The connection indicator and the people's presence as the user sees them, in the whole app
// (fake socket): they must not say "Online" while nothing works.
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import type { AppConfig } from '../config/appConfig';
import { ChatClient, PROBE_TIMEOUT_MS } from '../protocol/client';
import { UNANSWERED_SEND_PROBE_MS, type TransportFactory } from '../state/session';
import { FakeAuthService } from '../test/fakeAuth';
import { FakeSocket, fakeSocketFactory } from '../test/fakes';
import { ConnectionIndicator } from './ConnectionIndicator';

const createTransport: TransportFactory = (options, handlers) =>
  new ChatClient({ ...options, ...handlers, createSocket: fakeSocketFactory, random: () => 0 });

const config: AppConfig = {
  websocketUrl: 'ws://gateway.test/local',
  auth: { region: 'us-east-1', userPoolId: 'us-east-1_Test', userPoolClientId: 'client1', endpoint: 'http://127.0.0.1:8709' },
};

const indicator = () => screen.getByTestId('connection-status');
const bob = () => screen.getByTestId('inbox-dm-bob');

/** Answers the socket's last inbox request: Bob, online. */
function answerInbox(socket: FakeSocket) {
  const request = socket.actions().filter((a) => a.action === 'getConversations').at(-1) as { requestId: string };
  socket.receive({
    type: 'conversations',
    requestId: request.requestId,
    conversations: [{ conversationId: 'dm#alice#bob', kind: 'direct', with: { username: 'Bob', online: true }, lastActivityAt: 1, unread: 0, unreadMore: false }],
    nextCursor: null,
  });
}
const pings = (socket: FakeSocket) => socket.actions().filter((a) => a.action === 'ping').length;

/** Signs in as alice with Bob online, opens the conversation with Bob; then timers are fake. */
async function chatWithBob() {
  const auth = new FakeAuthService();
  auth.addUser('alice', 'Passw0rd!');
  render(<App loadConfig={async () => config} createAuth={() => auth} createTransport={createTransport} />);
  fireEvent.change(await screen.findByLabelText('Username'), { target: { value: 'alice' } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'Passw0rd!' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  await waitFor(() => expect(FakeSocket.instances.length).toBeGreaterThan(0));
  const socket = FakeSocket.last();
  act(() => socket.open());
  await act(async () => answerInbox(socket));
  fireEvent.click(await screen.findByTestId('inbox-dm-bob'));
  act(() => socket.receive({ type: 'messages', conversationId: 'dm#alice#bob', with: 'Bob', messages: [], nextCursor: null }));
  // From here on the probes' and reconnects' timers are the test's.
  vi.useFakeTimers();
  expect(indicator().dataset.state).toBe('online');
  expect(bob().getAttribute('aria-label')).toBe('Bob, online');
  expect(screen.getByTestId('conversation-presence').textContent).toBe('Online');
  return socket;
}

function expectNobodyOnline() {
  expect(bob().dataset.online).toBe('false');
  expect(bob().dataset.presence).toBe('unknown');
  expect(bob().getAttribute('aria-label')).toBe('Bob, status unknown');
  expect(screen.getByTestId('presence-unknown').textContent).toBe('Status unknown');
  expect(screen.getByTestId('conversation-presence').textContent).toBe('Status unknown');
  // Neither a green nor a grey dot: we do not know.
  expect(screen.queryAllByTestId('presence-dot')).toHaveLength(0);
}

beforeEach(() => {
  FakeSocket.reset();
  window.history.replaceState(null, '', '/');
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('ConnectionIndicator', () => {
  it('names every state', () => {
    const states = ['connecting', 'online', 'reconnecting', 'offline', 'signedOut'] as const;
    const labels = states.map((state) => {
      const { unmount } = render(<ConnectionIndicator state={state} />);
      const el = indicator();
      expect(el.dataset.state).toBe(state);
      expect(el.getAttribute('role')).toBe('status');
      const label = el.getAttribute('aria-label');
      unmount();
      return label;
    });
    expect(labels).toEqual(['Connection: Connecting…', 'Connection: Online', 'Connection: Reconnecting…', 'Connection: Offline', 'Connection: Signed out']);
  });
});

describe('the indicator tells the truth', () => {
  it('a message unanswered by a frozen server: reconnecting within 5 s, nobody online; then online and sent', async () => {
    const first = await chatWithBob();
    fireEvent.change(screen.getByLabelText('Message'), { target: { value: 'hello?' } });
    fireEvent.keyDown(screen.getByLabelText('Message'), { key: 'Enter' });
    expect(screen.getByTestId('message').dataset.status).toBe('pending');
    act(() => vi.advanceTimersByTime(UNANSWERED_SEND_PROBE_MS + PROBE_TIMEOUT_MS - 1));
    expect(indicator().dataset.state).toBe('online');
    act(() => vi.advanceTimersByTime(1));
    expect(UNANSWERED_SEND_PROBE_MS + PROBE_TIMEOUT_MS).toBeLessThanOrEqual(5000);
    expect(indicator().dataset.state).toBe('reconnecting');
    expect(screen.getByTestId('message').dataset.status).toBe('pending');
    expectNobodyOnline();
    // The server resumes: the new socket opens, the people come back, the message goes once.
    await act(() => vi.advanceTimersByTimeAsync(500));
    const second = FakeSocket.last();
    expect(second).not.toBe(first);
    act(() => second.open());
    expect(indicator().dataset.state).toBe('online');
    await act(async () => answerInbox(second));
    expect(bob().getAttribute('aria-label')).toBe('Bob, online');
    expect(screen.getByTestId('conversation-presence').textContent).toBe('Online');
    const sent = second.actions().filter((a) => a.action === 'sendMessage');
    expect(sent).toHaveLength(1);
  });

  it('the offline event: offline at once and nobody online; the online event: online again', async () => {
    const first = await chatWithBob();
    act(() => {
      window.dispatchEvent(new Event('offline'));
    });
    expect(indicator().dataset.state).toBe('offline');
    expect(first.closedWith).not.toBeNull();
    expectNobodyOnline();
    act(() => {
      window.dispatchEvent(new Event('online'));
    });
    await act(() => vi.advanceTimersByTimeAsync(0));
    act(() => FakeSocket.last().open());
    expect(FakeSocket.instances).toHaveLength(2);
    expect(indicator().dataset.state).toBe('online');
  });

  it('the tab shown again probes the socket once; an answer keeps it online', async () => {
    const socket = await chatWithBob();
    const before = pings(socket);
    act(() => {
      document.dispatchEvent(new Event('visibilitychange'));
    });
    expect(pings(socket)).toBe(before + 1);
    act(() => socket.receive({ type: 'pong' }));
    act(() => vi.advanceTimersByTime(PROBE_TIMEOUT_MS * 2));
    expect(indicator().dataset.state).toBe('online');
  });
});
