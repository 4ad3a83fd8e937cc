import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket, fakeSocketFactory } from '../test/fakes';
import { backoffDelay, ChatClient, connectionUrl, KEEPALIVE_MS, type ChatClientOptions } from './client';
import type { ServerEvent } from './types';

function makeClient(extra: Partial<ChatClientOptions> = {}) {
  const events: ServerEvent[] = [];
  const statuses: string[] = [];
  const opens: boolean[] = [];
  const refused: number[] = [];
  const client = new ChatClient({
    url: 'ws://test/local?username=alice',
    createSocket: fakeSocketFactory,
    random: () => 0.5,
    onEvent: (e) => events.push(e),
    onStatus: (s) => statuses.push(s),
    onOpen: ({ reconnected }) => opens.push(reconnected),
    onRefused: ({ code }) => refused.push(code),
    ...extra,
  });
  return { client, events, statuses, opens, refused };
}

beforeEach(() => {
  FakeSocket.reset();
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('connectionUrl', () => {
  it('encodes the username', () => {
    expect(connectionUrl('ws://127.0.0.1:8707/local', 'a.b-c_d')).toBe('ws://127.0.0.1:8707/local?username=a.b-c_d');
    expect(connectionUrl('wss://x/prod', 'a b&c')).toBe('wss://x/prod?username=a%20b%26c');
    expect(connectionUrl('wss://x/prod?v=1', 'bob')).toBe('wss://x/prod?v=1&username=bob');
  });
});

describe('ChatClient', () => {
  it('connects, reports status, parses events and sends actions as JSON', () => {
    const { client, events, statuses, opens } = makeClient();
    expect(client.send({ action: 'getClients' })).toBe(false);
    client.connect();
    const socket = FakeSocket.last();
    expect(socket.url).toBe('ws://test/local?username=alice');
    expect(statuses).toEqual(['connecting']);
    socket.open();
    expect(statuses).toEqual(['connecting', 'online']);
    expect(opens).toEqual([false]);
    expect(client.send({ action: 'getMessages', with: 'bob', limit: 50 })).toBe(true);
    expect(socket.sent).toEqual(['{"action":"getMessages","with":"bob","limit":50}']);
    socket.receive({ type: 'presence', user: { username: 'bob', online: true } });
    socket.onmessage?.({ data: 'garbage' });
    expect(events).toEqual([{ type: 'presence', user: { username: 'bob', online: true } }]);
  });

  it('sends a ping every 5 minutes while open', () => {
    const { client } = makeClient();
    client.connect();
    const socket = FakeSocket.last();
    socket.open();
    vi.advanceTimersByTime(KEEPALIVE_MS - 1);
    expect(socket.sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(socket.actions()).toEqual([{ action: 'ping' }]);
    socket.receive({ type: 'pong' });
    vi.advanceTimersByTime(KEEPALIVE_MS);
    socket.receive({ type: 'pong' });
    vi.advanceTimersByTime(KEEPALIVE_MS);
    expect(socket.actions()).toEqual([{ action: 'ping' }, { action: 'ping' }, { action: 'ping' }]);
    expect(KEEPALIVE_MS).toBeLessThan(10 * 60 * 1000);
    client.close();
    vi.advanceTimersByTime(KEEPALIVE_MS * 3);
    expect(socket.sent).toHaveLength(3);
  });

  it('replaces a socket that stops answering pings', () => {
    const { client, statuses } = makeClient({ pongTimeoutMs: 10_000 });
    client.connect();
    const first = FakeSocket.last();
    first.open();
    vi.advanceTimersByTime(KEEPALIVE_MS + 10_000);
    expect(first.closedWith).not.toBeNull();
    expect(statuses.at(-1)).toBe('reconnecting');
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.instances).toHaveLength(2);
  });

  it('reconnects with exponential backoff and jitter after drops, including the 2-hour cut', () => {
    const { client, statuses, opens } = makeClient();
    client.connect();
    FakeSocket.last().open();
    // API Gateway's 2-hour limit: 1001 Going Away.
    FakeSocket.last().serverClose(1001, 'Going away');
    expect(statuses.at(-1)).toBe('reconnecting');
    expect(FakeSocket.instances).toHaveLength(1);
    // random() = 0.5: delay = step/2 + step/4 = 750ms, then 1500, 3000 …
    vi.advanceTimersByTime(749);
    expect(FakeSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances).toHaveLength(2);
    FakeSocket.last().serverClose();
    vi.advanceTimersByTime(1499);
    expect(FakeSocket.instances).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances).toHaveLength(3);
    FakeSocket.last().serverClose();
    vi.advanceTimersByTime(3000);
    expect(FakeSocket.instances).toHaveLength(4);
    FakeSocket.last().open();
    expect(opens).toEqual([false, true]);
    expect(statuses.at(-1)).toBe('online');
    // Backoff starts over after a successful open.
    FakeSocket.last().serverClose();
    vi.advanceTimersByTime(750);
    expect(FakeSocket.instances).toHaveLength(5);
  });

  it('jitter stays within [step/2, step] and the step is capped', () => {
    expect(backoffDelay(0, 1000, 30_000, () => 0)).toBe(500);
    expect(backoffDelay(0, 1000, 30_000, () => 0.999999)).toBe(1000);
    expect(backoffDelay(3, 1000, 30_000, () => 0)).toBe(4000);
    expect(backoffDelay(20, 1000, 30_000, () => 0)).toBe(15_000);
    expect(backoffDelay(20, 1000, 30_000, () => 0.999999)).toBe(30_000);
    const seen = new Set(Array.from({ length: 20 }, () => backoffDelay(2, 1000, 30_000, Math.random)));
    expect(seen.size).toBeGreaterThan(1);
  });

  it('reports a first connection closed before opening as refused, without retrying', () => {
    const { client, refused, statuses } = makeClient();
    client.connect();
    FakeSocket.last().serverClose(1006);
    expect(refused).toEqual([1006]);
    expect(statuses.at(-1)).toBe('idle');
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('keeps retrying a first connection when asked to (remembered sign-in)', () => {
    const { client, refused, opens } = makeClient({ retryBeforeFirstOpen: true });
    client.connect();
    FakeSocket.last().serverClose(1006);
    vi.advanceTimersByTime(750);
    expect(FakeSocket.instances).toHaveLength(2);
    FakeSocket.last().open();
    expect(refused).toEqual([]);
    expect(opens).toEqual([false]);
  });

  it('close() stops for good and ignores the old socket', () => {
    const { client, statuses, events } = makeClient();
    client.connect();
    const socket = FakeSocket.last();
    socket.open();
    client.close();
    expect(socket.closedWith?.code).toBe(1000);
    expect(statuses.at(-1)).toBe('idle');
    socket.receive({ type: 'pong' });
    socket.serverClose();
    vi.advanceTimersByTime(120_000);
    expect(FakeSocket.instances).toHaveLength(1);
    expect(events).toEqual([]);
  });

  it('waits for the network while offline and reconnects at once when it is back', () => {
    const { client, statuses } = makeClient();
    client.connect();
    FakeSocket.last().open();
    client.setNetworkAvailable(false);
    FakeSocket.last().serverClose();
    expect(statuses.at(-1)).toBe('offline');
    vi.advanceTimersByTime(120_000);
    expect(FakeSocket.instances).toHaveLength(1);
    client.setNetworkAvailable(true);
    expect(FakeSocket.instances).toHaveLength(2);
    expect(statuses.at(-1)).toBe('reconnecting');
  });

  it('reconnectNow replaces the socket', () => {
    const { client } = makeClient();
    client.connect();
    const first = FakeSocket.last();
    first.open();
    client.reconnectNow();
    expect(first.closedWith).not.toBeNull();
    expect(FakeSocket.instances).toHaveLength(2);
  });
});
