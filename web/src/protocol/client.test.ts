import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket, fakeSocketFactory, flushMicrotasks } from '../test/fakes';
import { backoffDelay, ChatClient, CONNECT_TIMEOUT_MS, KEEPALIVE_MS, PROBE_TIMEOUT_MS, SUBPROTOCOL, type ChatClientOptions } from './client';
import type { ServerEvent } from './frames';

/** A token getter answering `token-1`, `token-2`, … (a new one per call); `null` once the session ended. */
function tokenGetter() {
  let n = 0;
  let session = true;
  let failing = false;
  const calls: { forceRefresh: boolean }[] = [];
  const get = vi.fn(async ({ forceRefresh }: { forceRefresh: boolean }) => {
    calls.push({ forceRefresh });
    if (failing) throw new Error('network down');
    return session ? `token-${++n}` : null;
  });
  return {
    get,
    calls,
    end: () => (session = false),
    fail: (on: boolean) => (failing = on),
  };
}

function makeClient(extra: Partial<ChatClientOptions> = {}) {
  const events: ServerEvent[] = [];
  const statuses: string[] = [];
  const opens: boolean[] = [];
  const ended: number[] = [];
  const tokens = tokenGetter();
  const client = new ChatClient({
    url: 'ws://test/local',
    accessToken: tokens.get,
    createSocket: fakeSocketFactory,
    random: () => 0.5,
    onEvent: (e) => events.push(e),
    onStatus: (s) => statuses.push(s),
    onOpen: ({ reconnected }) => opens.push(reconnected),
    onSessionEnded: () => ended.push(1),
    ...extra,
  });
  return { client, events, statuses, opens, ended, tokens };
}

/** connect(), then let the token arrive and the socket be created. */
async function connected(client: ChatClient): Promise<FakeSocket> {
  client.connect();
  await flushMicrotasks();
  return FakeSocket.last();
}

beforeEach(() => {
  FakeSocket.reset();
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ChatClient', () => {
  it('connects with the token as a subprotocol, reports status, parses events and sends actions as JSON', async () => {
    const { client, events, statuses, opens } = makeClient();
    expect(client.send({ action: 'getConversations' })).toBe(false);
    const socket = await connected(client);
    // No username and no token in the URL: URLs end up in logs.
    expect(socket.url).toBe('ws://test/local');
    expect(socket.protocols).toEqual([SUBPROTOCOL, 'token-1']);
    expect(SUBPROTOCOL).toBe('chatastrophy.v1');
    expect(statuses).toEqual(['connecting']);
    socket.open();
    expect(statuses).toEqual(['connecting', 'online']);
    expect(opens).toEqual([false]);
    expect(client.send({ action: 'getMessages', conversationId: 'dm#alice#bob', limit: 50 })).toBe(true);
    expect(socket.sent).toEqual(['{"action":"getMessages","conversationId":"dm#alice#bob","limit":50}']);
    socket.receive({ type: 'presence', user: { username: 'bob', online: true } });
    socket.onmessage?.({ data: 'garbage' });
    expect(events).toEqual([{ type: 'presence', user: { username: 'bob', online: true } }]);
  });

  it('sends a ping every 5 minutes while open', async () => {
    const { client } = makeClient();
    const socket = await connected(client);
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

  it('replaces a socket that stops answering pings', async () => {
    const { client, statuses } = makeClient({ pongTimeoutMs: 10_000 });
    const first = await connected(client);
    first.open();
    vi.advanceTimersByTime(KEEPALIVE_MS + 10_000);
    expect(first.closedWith).not.toBeNull();
    expect(statuses.at(-1)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.instances).toHaveLength(2);
  });

  it('reconnects with exponential backoff and jitter after drops, including the 2-hour cut, with a fresh token each time', async () => {
    const { client, statuses, opens, tokens } = makeClient();
    (await connected(client)).open();
    // API Gateway's 2-hour limit: 1001 Going Away.
    FakeSocket.last().serverClose(1001, 'Going away');
    expect(statuses.at(-1)).toBe('reconnecting');
    expect(FakeSocket.instances).toHaveLength(1);
    // random() = 0.5: delay = step/2 + step/4 = 750ms, then 1500, 3000 …
    await vi.advanceTimersByTimeAsync(749);
    expect(FakeSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.instances).toHaveLength(2);
    expect(FakeSocket.last().protocols).toEqual([SUBPROTOCOL, 'token-2']);
    FakeSocket.last().serverClose();
    await vi.advanceTimersByTimeAsync(1499);
    expect(FakeSocket.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.instances).toHaveLength(3);
    FakeSocket.last().serverClose();
    await vi.advanceTimersByTimeAsync(3000);
    expect(FakeSocket.instances).toHaveLength(4);
    FakeSocket.last().open();
    expect(opens).toEqual([false, true]);
    expect(statuses.at(-1)).toBe('online');
    // Every attempt asked for a token of its own.
    expect(FakeSocket.instances.map((s) => s.protocols[1])).toEqual(['token-1', 'token-2', 'token-3', 'token-4']);
    expect(tokens.get).toHaveBeenCalledTimes(4);
    // Backoff starts over after a successful open.
    FakeSocket.last().serverClose();
    await vi.advanceTimersByTimeAsync(750);
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

  it('a handshake closed before opening (the authorizer refused the token) is retried once with a force-refreshed token', async () => {
    const { client, tokens, ended } = makeClient();
    (await connected(client)).open();
    FakeSocket.last().serverClose(1001, 'Going away');
    await vi.advanceTimersByTimeAsync(750);
    // The reconnect's handshake is refused (401): the browser only sees it close before opening.
    FakeSocket.last().serverClose(1006);
    await vi.advanceTimersByTimeAsync(1500);
    expect(tokens.calls).toEqual([{ forceRefresh: false }, { forceRefresh: false }, { forceRefresh: true }]);
    // Refused again (or the server is down: the browser cannot tell): no second forced refresh.
    FakeSocket.last().serverClose(1006);
    await vi.advanceTimersByTimeAsync(3000);
    expect(tokens.calls.at(-1)).toEqual({ forceRefresh: false });
    FakeSocket.last().open();
    // After an open, a later refusal gets its forced refresh again.
    FakeSocket.last().serverClose(1001);
    await vi.advanceTimersByTimeAsync(750);
    FakeSocket.last().serverClose(1006);
    await vi.advanceTimersByTimeAsync(1500);
    expect(tokens.calls.at(-1)).toEqual({ forceRefresh: true });
    expect(ended).toEqual([]);
  });

  it('the first connection is retried too (after a sign-in or a reload), also with one forced refresh', async () => {
    const { client, tokens, opens } = makeClient();
    (await connected(client)).serverClose(1006);
    await vi.advanceTimersByTimeAsync(750);
    expect(FakeSocket.instances).toHaveLength(2);
    expect(tokens.calls).toEqual([{ forceRefresh: false }, { forceRefresh: true }]);
    FakeSocket.last().open();
    expect(opens).toEqual([false]);
  });

  it('when no token can be had any more (refresh token revoked or expired) it stops and reports the session ended', async () => {
    const { client, tokens, ended, statuses } = makeClient();
    (await connected(client)).open();
    tokens.end();
    FakeSocket.last().serverClose(1001, 'Going away');
    await vi.advanceTimersByTimeAsync(750);
    expect(ended).toEqual([1]);
    expect(statuses.at(-1)).toBe('idle');
    expect(FakeSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeSocket.instances).toHaveLength(1);
    expect(ended).toEqual([1]);
  });

  it('a token that cannot be fetched (Cognito unreachable) is asked again with backoff, keeping the forced refresh due', async () => {
    const { client, tokens, ended } = makeClient();
    (await connected(client)).open();
    FakeSocket.last().serverClose(1001);
    await vi.advanceTimersByTimeAsync(750);
    FakeSocket.last().serverClose(1006);
    tokens.fail(true);
    await vi.advanceTimersByTimeAsync(1500);
    expect(FakeSocket.instances).toHaveLength(2);
    tokens.fail(false);
    await vi.advanceTimersByTimeAsync(3000);
    expect(FakeSocket.instances).toHaveLength(3);
    expect(tokens.calls.slice(-2)).toEqual([{ forceRefresh: true }, { forceRefresh: true }]);
    expect(ended).toEqual([]);
  });

  it('close() while the token is on its way creates no socket', async () => {
    const { client, statuses } = makeClient();
    client.connect();
    client.close();
    await flushMicrotasks();
    expect(FakeSocket.instances).toHaveLength(0);
    expect(statuses.at(-1)).toBe('idle');
  });

  it('close() stops for good and ignores the old socket', async () => {
    const { client, statuses, events } = makeClient();
    const socket = await connected(client);
    socket.open();
    client.close();
    expect(socket.closedWith?.code).toBe(1000);
    expect(statuses.at(-1)).toBe('idle');
    socket.receive({ type: 'pong' });
    socket.serverClose();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeSocket.instances).toHaveLength(1);
    expect(events).toEqual([]);
  });

  it('waits for the network while offline and reconnects at once when it is back', async () => {
    const { client, statuses } = makeClient();
    (await connected(client)).open();
    client.setNetworkAvailable(false);
    FakeSocket.last().serverClose();
    expect(statuses.at(-1)).toBe('offline');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeSocket.instances).toHaveLength(1);
    client.setNetworkAvailable(true);
    await flushMicrotasks();
    expect(FakeSocket.instances).toHaveLength(2);
    expect(statuses.at(-1)).toBe('reconnecting');
  });

  it('a probe (the user is waiting) unanswered within seconds replaces the socket: reconnecting, then online again', async () => {
    const { client, statuses, opens } = makeClient();
    const first = await connected(client);
    first.open();
    client.probe();
    client.probe(); // one probe at a time
    expect(first.actions()).toEqual([{ action: 'ping' }]);
    vi.advanceTimersByTime(PROBE_TIMEOUT_MS - 1);
    expect(first.closedWith).toBeNull();
    expect(statuses.at(-1)).toBe('online');
    vi.advanceTimersByTime(1);
    expect(first.closedWith).not.toBeNull();
    expect(statuses.at(-1)).toBe('reconnecting');
    expect(PROBE_TIMEOUT_MS).toBeLessThanOrEqual(4000);
    // Late frames of the dead socket change nothing.
    first.receive({ type: 'pong' });
    expect(statuses.at(-1)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(750);
    FakeSocket.last().open();
    expect(FakeSocket.instances).toHaveLength(2);
    expect(statuses.at(-1)).toBe('online');
    expect(opens).toEqual([false, true]);
  });

  it('a probe answered by any frame keeps the socket', async () => {
    const { client, statuses } = makeClient();
    const socket = await connected(client);
    socket.open();
    client.probe();
    socket.receive({ type: 'presence', user: { username: 'bob', online: true } });
    vi.advanceTimersByTime(PROBE_TIMEOUT_MS * 10);
    expect(socket.closedWith).toBeNull();
    expect(statuses.at(-1)).toBe('online');
    // A later probe gets a deadline of its own.
    client.probe();
    expect(socket.actions()).toEqual([{ action: 'ping' }, { action: 'ping' }]);
    vi.advanceTimersByTime(PROBE_TIMEOUT_MS);
    expect(socket.closedWith).not.toBeNull();
  });

  it('idle, nothing but the keepalive ping goes out: no probe without someone waiting', async () => {
    const { client } = makeClient();
    const socket = await connected(client);
    socket.open();
    client.probe();
    socket.receive({ type: 'pong' });
    for (let i = 0; i < 6; i++) {
      vi.advanceTimersByTime(KEEPALIVE_MS);
      socket.receive({ type: 'pong' });
    }
    // 30 minutes: the probe's ping and one keepalive ping per 5 minutes.
    expect(socket.actions()).toEqual(Array.from({ length: 7 }, () => ({ action: 'ping' })));
    expect(socket.closedWith).toBeNull();
  });

  it('the offline event drops the socket at once (offline, requests rejected); back online reconnects', async () => {
    const { client, statuses } = makeClient();
    const socket = await connected(client);
    socket.open();
    const pending = client.request({ action: 'getDownloadUrl', keys: ['avatars/bob/1.png'] });
    client.setNetworkAvailable(false);
    expect(statuses.at(-1)).toBe('offline');
    expect(socket.closedWith).not.toBeNull();
    await expect(pending).rejects.toMatchObject({ code: 'disconnected' });
    expect(client.send({ action: 'getConversations' })).toBe(false);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeSocket.instances).toHaveLength(1);
    client.setNetworkAvailable(true);
    await flushMicrotasks();
    expect(statuses.at(-1)).toBe('reconnecting');
    FakeSocket.last().open();
    expect(FakeSocket.instances).toHaveLength(2);
    expect(statuses.at(-1)).toBe('online');
  });

  it('offline while the token is on its way creates no socket', async () => {
    const { client, statuses } = makeClient();
    client.connect();
    client.setNetworkAvailable(false);
    await flushMicrotasks();
    expect(FakeSocket.instances).toHaveLength(0);
    expect(statuses.at(-1)).toBe('offline');
  });

  it('the network back while the socket looks open probes it', async () => {
    const { client, statuses } = makeClient();
    const socket = await connected(client);
    socket.open();
    client.setNetworkAvailable(true);
    expect(socket.actions()).toEqual([{ action: 'ping' }]);
    vi.advanceTimersByTime(PROBE_TIMEOUT_MS);
    expect(statuses.at(-1)).toBe('reconnecting');
  });

  it('a handshake that hangs (a frozen server) is given up after the connect timeout and tried again', async () => {
    const { client, statuses, tokens } = makeClient();
    (await connected(client)).open();
    FakeSocket.last().serverClose(1001);
    await vi.advanceTimersByTimeAsync(750);
    const hung = FakeSocket.last();
    await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS - 1);
    expect(hung.closedWith).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(hung.closedWith).not.toBeNull();
    expect(statuses.at(-1)).toBe('reconnecting');
    // A timeout is no refusal: no forced token refresh for it.
    expect(tokens.calls.at(-1)).toEqual({ forceRefresh: false });
    await vi.advanceTimersByTimeAsync(1500);
    expect(FakeSocket.instances).toHaveLength(3);
    hung.open(); // too late: ignored
    expect(statuses.at(-1)).toBe('reconnecting');
    FakeSocket.last().open();
    expect(statuses.at(-1)).toBe('online');
    // An opened socket has no connect timeout any more.
    await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS * 2);
    expect(FakeSocket.last().closedWith).toBeNull();
  });

  it('reconnectNow replaces the socket', async () => {
    const { client } = makeClient();
    const first = await connected(client);
    first.open();
    client.reconnectNow();
    await flushMicrotasks();
    expect(first.closedWith).not.toBeNull();
    expect(FakeSocket.instances).toHaveLength(2);
  });
});
