import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RequestError } from '../protocol/requests';
import { DownloadUrlCache, type DownloadUrlsAnswer } from './downloadUrlCache';

/** A scriptable server: every call is kept with its keys and settled by the test. */
function fakeServer() {
  const calls: Array<{ keys: string[]; resolve(a: DownloadUrlsAnswer): void; reject(e: unknown): void }> = [];
  const fetchUrls = (keys: string[]) =>
    new Promise<DownloadUrlsAnswer>((resolve, reject) => {
      calls.push({ keys, resolve, reject });
    });
  /** Answers call i with a URL per key, valid `validMs` from now. */
  const answer = async (i: number, validMs = 600_000) => {
    const call = calls[i]!;
    call.resolve({ urls: Object.fromEntries(call.keys.map((k) => [k, `https://s3.test/${k}?v=${i}`])), expiresAt: Date.now() + validMs });
    await flushPromises();
  };
  const refuse = async (i: number, code: string) => {
    calls[i]!.reject(new RequestError(code, code, 'getDownloadUrl'));
    await flushPromises();
  };
  return { calls, fetchUrls, answer, refuse };
}

const flushPromises = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function setup() {
  const server = fakeServer();
  const cache = new DownloadUrlCache({ fetchUrls: server.fetchUrls });
  const changes = vi.fn();
  cache.subscribe(changes);
  cache.setOnline(true);
  return { server, cache, changes };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_764_000_000_000);
});
afterEach(() => vi.useRealTimers());

describe('DownloadUrlCache', () => {
  it('batches the keys wanted within 50 ms into one request, each key once', async () => {
    const { server, cache, changes } = setup();
    cache.want('avatars/bob/1.png');
    cache.want('avatars/carol/1.png');
    cache.want('avatars/bob/1.png');
    vi.advanceTimersByTime(49);
    expect(server.calls).toHaveLength(0);
    cache.want('attachments/dm/alice/bob/bob/1.pdf');
    vi.advanceTimersByTime(1);
    expect(server.calls.map((c) => c.keys)).toEqual([['avatars/bob/1.png', 'avatars/carol/1.png', 'attachments/dm/alice/bob/bob/1.pdf']]);
    // Wanted again while in flight: no second request.
    cache.want('avatars/bob/1.png');
    vi.advanceTimersByTime(100);
    expect(server.calls).toHaveLength(1);
    await server.answer(0);
    expect(cache.peek('avatars/bob/1.png')).toEqual({ url: 'https://s3.test/avatars/bob/1.png?v=0', fresh: true, error: null });
    expect(changes).toHaveBeenCalled();
    // Cached: no request.
    cache.want('avatars/bob/1.png');
    vi.advanceTimersByTime(100);
    expect(server.calls).toHaveLength(1);
  });

  it('asks at most 50 keys per request', () => {
    const { server, cache } = setup();
    const keys = Array.from({ length: 120 }, (_, i) => `avatars/u${i}/1.png`);
    for (const k of keys) cache.want(k);
    vi.advanceTimersByTime(50);
    expect(server.calls.map((c) => c.keys.length)).toEqual([50, 50, 20]);
    expect(server.calls.flatMap((c) => c.keys)).toEqual(keys);
  });

  it('keeps a URL until shortly before expiresAt, then asks again (the stale one is still shown meanwhile)', async () => {
    const { server, cache } = setup();
    cache.want('avatars/bob/1.png');
    vi.advanceTimersByTime(50);
    await server.answer(0, 10 * 60_000);
    // Refreshed a minute before the 10-minute expiry.
    vi.advanceTimersByTime(9 * 60_000 - 1);
    expect(cache.peek('avatars/bob/1.png')?.fresh).toBe(true);
    vi.advanceTimersByTime(1);
    expect(cache.peek('avatars/bob/1.png')).toEqual({ url: 'https://s3.test/avatars/bob/1.png?v=0', fresh: false, error: null });
    cache.want('avatars/bob/1.png');
    vi.advanceTimersByTime(50);
    expect(server.calls.map((c) => c.keys)).toEqual([['avatars/bob/1.png'], ['avatars/bob/1.png']]);
    await server.answer(1);
    expect(cache.peek('avatars/bob/1.png')).toMatchObject({ url: 'https://s3.test/avatars/bob/1.png?v=1', fresh: true });
  });

  it('bounds the lifetime whatever the clocks say', async () => {
    const { server, cache } = setup();
    cache.want('a');
    cache.want('b');
    vi.advanceTimersByTime(50);
    // A client clock far ahead of the server: expiresAt looks past. Used for 30 s, not refetched in a loop.
    server.calls[0]!.resolve({ urls: { a: 'https://s3.test/a' }, expiresAt: Date.now() - 3_600_000 });
    await flushPromises();
    expect(cache.peek('a')?.fresh).toBe(true);
    vi.advanceTimersByTime(30_000);
    expect(cache.peek('a')?.fresh).toBe(false);
    // A key the answer lacks is not retried in a loop either.
    expect(cache.peek('b')).toEqual({ url: null, fresh: false, error: 'missing' });
    cache.want('b');
    vi.advanceTimersByTime(50);
    expect(server.calls).toHaveLength(1);
  });

  it('holds requests while offline and asks again what a disconnect lost, once back online', async () => {
    const { server, cache } = setup();
    cache.want('avatars/bob/1.png');
    vi.advanceTimersByTime(50);
    cache.setOnline(false);
    await server.refuse(0, 'disconnected');
    cache.want('avatars/carol/1.png');
    vi.advanceTimersByTime(1000);
    expect(server.calls).toHaveLength(1);
    cache.setOnline(true);
    vi.advanceTimersByTime(50);
    expect(server.calls.map((c) => c.keys)).toEqual([['avatars/bob/1.png'], ['avatars/bob/1.png', 'avatars/carol/1.png']]);
  });

  it('finds the refused key of a batch by halves; the others still get their URL', async () => {
    const { server, cache } = setup();
    for (const k of ['a', 'b', 'c', 'x']) cache.want(k);
    vi.advanceTimersByTime(50);
    await server.refuse(0, 'forbidden_media');
    expect(server.calls.slice(1).map((c) => c.keys)).toEqual([['a', 'b'], ['c', 'x']]);
    await server.answer(1);
    await server.refuse(2, 'forbidden_media');
    expect(server.calls.slice(3).map((c) => c.keys)).toEqual([['c'], ['x']]);
    await server.answer(3);
    await server.refuse(4, 'forbidden_media');
    expect(['a', 'b', 'c'].map((k) => cache.peek(k)?.fresh)).toEqual([true, true, true]);
    expect(cache.peek('x')).toEqual({ url: null, fresh: false, error: 'forbidden_media' });
    // Refused: not asked again on this connection ...
    cache.want('x');
    vi.advanceTimersByTime(50);
    expect(server.calls).toHaveLength(5);
    // ... but after a reconnect.
    cache.setOnline(false);
    cache.setOnline(true);
    expect(cache.peek('x')).toBeUndefined();
    cache.want('x');
    vi.advanceTimersByTime(50);
    expect(server.calls.at(-1)!.keys).toEqual(['x']);
  });

  it('asks again after a passing failure', async () => {
    const { server, cache } = setup();
    cache.want('a');
    vi.advanceTimersByTime(50);
    await server.refuse(0, 'service_unavailable');
    expect(cache.peek('a')?.error).toBe('service_unavailable');
    vi.advanceTimersByTime(30_000);
    expect(cache.peek('a')).toBeUndefined();
  });

  it('url() resolves a fresh URL, asking for it if needed; invalidate() makes it ask again', async () => {
    const { server, cache } = setup();
    const p = cache.url('attachments/dm/alice/bob/bob/1.pdf');
    vi.advanceTimersByTime(50);
    await server.answer(0);
    await expect(p).resolves.toBe('https://s3.test/attachments/dm/alice/bob/bob/1.pdf?v=0');
    await expect(cache.url('attachments/dm/alice/bob/bob/1.pdf')).resolves.toBe('https://s3.test/attachments/dm/alice/bob/bob/1.pdf?v=0');
    cache.invalidate('attachments/dm/alice/bob/bob/1.pdf');
    const q = cache.url('attachments/dm/alice/bob/bob/1.pdf');
    vi.advanceTimersByTime(50);
    await server.answer(1);
    await expect(q).resolves.toBe('https://s3.test/attachments/dm/alice/bob/bob/1.pdf?v=1');
    const refused = cache.url('nope');
    vi.advanceTimersByTime(50);
    await server.refuse(2, 'invalid_media_key');
    await expect(refused).rejects.toMatchObject({ code: 'invalid_media_key' });
  });

  it('reset() forgets everything and drops answers to earlier requests', async () => {
    const { server, cache } = setup();
    cache.want('a');
    vi.advanceTimersByTime(50);
    cache.reset();
    await server.answer(0);
    expect(cache.peek('a')).toBeUndefined();
    cache.want('a');
    vi.advanceTimersByTime(50);
    expect(server.calls).toHaveLength(1); // offline after a reset until told otherwise
    cache.setOnline(true);
    vi.advanceTimersByTime(50);
    expect(server.calls).toHaveLength(2);
  });
});
