// Presigned download URLs for media keys (`avatarKey`, `attachment.key`): a cache and a batcher.
// Keys wanted within a short window (50 ms) go out together, at most 50 per `getDownloadUrl`.
// Each URL is kept until shortly before its `expiresAt`; then it is stale: still shown (an image
// on screen has loaded already) but fetched again for whoever still shows it. Requests lost to a
// disconnect are asked again once the connection is back. No React here: components subscribe.
import { RequestError } from '../protocol/requests';
import { DOWNLOAD_KEYS_MAX } from './mediaRules';

/** What the cache knows of one key. */
export interface MediaUrlEntry {
  /** The presigned URL; null when none could be had. */
  url: string | null;
  /** False once the URL is near its expiry (or after a failure): it is being or will be asked again. */
  fresh: boolean;
  /** The error code when the server refused the key (`forbidden_media`, `invalid_media_key`, …). */
  error: string | null;
}

export interface DownloadUrlsAnswer {
  urls: Record<string, string>;
  expiresAt: number;
}

export interface DownloadUrlCacheOptions {
  /** Sends one `getDownloadUrl` (1–50 keys); rejects with a RequestError. */
  fetchUrls(keys: string[]): Promise<DownloadUrlsAnswer>;
  now?: () => number;
  /** Keys wanted within this window share one request. */
  batchWindowMs?: number;
  maxKeysPerRequest?: number;
  /** A URL is asked again this long before its `expiresAt`. */
  refreshMarginMs?: number;
  /** Bounds on how long a URL is used, whatever the clocks say (a client clock ahead of the server's must not loop). */
  minLifetimeMs?: number;
  maxLifetimeMs?: number;
  /** A key refused for a passing reason (`service_unavailable`, `timeout`) is asked again after this long. */
  retryAfterMs?: number;
}

export const DOWNLOAD_BATCH_WINDOW_MS = 50;
export const DOWNLOAD_REFRESH_MARGIN_MS = 60_000;
/** Download URLs are valid 10 minutes (docs/protocol.md). */
export const DOWNLOAD_URL_LIFETIME_MS = 10 * 60_000;

/** Refusals that name the key itself: asking again changes nothing (until the next connection). */
const KEY_ERRORS = new Set(['forbidden_media', 'invalid_media_key', 'missing']);
/** The request was lost with its connection: ask again when it is back. */
const CONNECTION_ERRORS = new Set(['disconnected', 'offline']);

export class DownloadUrlCache {
  private readonly fetchUrls: DownloadUrlCacheOptions['fetchUrls'];
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly marginMs: number;
  private readonly minLifetimeMs: number;
  private readonly maxLifetimeMs: number;
  private readonly retryAfterMs: number;
  private readonly entries = new Map<string, MediaUrlEntry>();
  private readonly queue = new Set<string>();
  private readonly inflight = new Set<string>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly listeners = new Set<() => void>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private online = false;
  /** Bumped by reset(): answers to requests of an earlier sign-in are dropped. */
  private generation = 0;

  constructor(options: DownloadUrlCacheOptions) {
    this.fetchUrls = options.fetchUrls;
    this.now = options.now ?? Date.now;
    this.windowMs = options.batchWindowMs ?? DOWNLOAD_BATCH_WINDOW_MS;
    this.maxKeys = Math.max(1, Math.min(options.maxKeysPerRequest ?? DOWNLOAD_KEYS_MAX, DOWNLOAD_KEYS_MAX));
    this.marginMs = options.refreshMarginMs ?? DOWNLOAD_REFRESH_MARGIN_MS;
    this.minLifetimeMs = options.minLifetimeMs ?? 30_000;
    this.maxLifetimeMs = options.maxLifetimeMs ?? DOWNLOAD_URL_LIFETIME_MS - this.marginMs;
    this.retryAfterMs = options.retryAfterMs ?? 30_000;
  }

  /** The entry of a key (stable object until it changes: usable as a useSyncExternalStore snapshot). */
  peek(key: string): MediaUrlEntry | undefined {
    return this.entries.get(key);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Asks for a key's URL unless a fresh one is known, one is on its way, or the key was refused. */
  want(key: string): void {
    if (!key || this.inflight.has(key) || this.queue.has(key)) return;
    const entry = this.entries.get(key);
    if (entry && (entry.fresh || entry.error !== null)) return;
    this.queue.add(key);
    this.scheduleFlush();
  }

  /** A fresh URL for a key (asks for one if needed); rejects when the key is refused or none comes in time. */
  url(key: string, timeoutMs = 30_000): Promise<string> {
    const ready = this.entries.get(key);
    if (ready?.fresh && ready.url) return Promise.resolve(ready.url);
    return new Promise<string>((resolve, reject) => {
      const check = () => {
        const e = this.entries.get(key);
        if (e?.fresh && e.url) {
          done();
          resolve(e.url);
        } else if (e?.error) {
          done();
          reject(new RequestError(e.error, 'The file is not available.', 'getDownloadUrl'));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new RequestError('timeout', 'The server did not answer in time.', 'getDownloadUrl'));
      }, timeoutMs);
      const unsubscribe = this.subscribe(check);
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
      };
      if (ready?.error) this.entries.delete(key);
      this.want(key);
    });
  }

  /** The URL did not work (an image failed to load): ask again, once it is not on its way already. */
  invalidate(key: string): void {
    const entry = this.entries.get(key);
    if (!entry || !entry.fresh) return;
    this.entries.set(key, { ...entry, fresh: false });
    this.notify();
  }

  /** The connection is up (ask what is waiting, retry refusals) or down (hold requests). */
  setOnline(up: boolean): void {
    if (this.online === up) return;
    this.online = up;
    if (!up) return;
    let changed = false;
    for (const [key, entry] of this.entries) {
      if (entry.error !== null) {
        this.entries.delete(key);
        changed = true;
      }
    }
    if (this.queue.size > 0) this.scheduleFlush();
    if (changed) this.notify();
  }

  /** Forgets everything (sign-out, another user). */
  reset(): void {
    this.generation += 1;
    this.entries.clear();
    this.queue.clear();
    this.inflight.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.online = false;
    this.notify();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== null || !this.online) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, this.windowMs);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private flush(): void {
    if (!this.online) return;
    const keys = [...this.queue];
    this.queue.clear();
    for (let i = 0; i < keys.length; i += this.maxKeys) this.request(keys.slice(i, i + this.maxKeys));
  }

  private request(keys: string[]): void {
    const generation = this.generation;
    for (const k of keys) this.inflight.add(k);
    this.fetchUrls(keys).then(
      (answer) => {
        if (generation !== this.generation) return;
        for (const k of keys) this.inflight.delete(k);
        this.store(keys, answer);
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        for (const k of keys) this.inflight.delete(k);
        this.failed(keys, error);
      },
    );
  }

  private store(keys: string[], answer: DownloadUrlsAnswer): void {
    const lifetime = Math.min(this.maxLifetimeMs, Math.max(this.minLifetimeMs, answer.expiresAt - this.now() - this.marginMs));
    const stored = new Map<string, MediaUrlEntry>();
    for (const key of keys) {
      const url = answer.urls[key];
      const entry: MediaUrlEntry = url ? { url, fresh: true, error: null } : { url: null, fresh: false, error: 'missing' };
      this.entries.set(key, entry);
      if (url) stored.set(key, entry);
    }
    this.notify();
    if (stored.size === 0) return;
    this.later(lifetime, () => {
      let changed = false;
      for (const [key, entry] of stored) {
        if (this.entries.get(key) !== entry) continue;
        this.entries.set(key, { ...entry, fresh: false });
        changed = true;
      }
      if (changed) this.notify();
    });
  }

  private failed(keys: string[], error: unknown): void {
    const code = error instanceof RequestError ? error.code : 'failed';
    if (CONNECTION_ERRORS.has(code)) {
      // Asked again when the connection is back (or at once, if it already is).
      for (const k of keys) this.queue.add(k);
      this.scheduleFlush();
      return;
    }
    if (KEY_ERRORS.has(code) && keys.length > 1) {
      // One key the caller may not read refuses the whole request: find it by halves.
      const half = Math.ceil(keys.length / 2);
      this.request(keys.slice(0, half));
      this.request(keys.slice(half));
      return;
    }
    // A passing failure keeps a stale URL to show meanwhile; a refused key has none.
    for (const k of keys) this.entries.set(k, { url: KEY_ERRORS.has(code) ? null : (this.entries.get(k)?.url ?? null), fresh: false, error: code });
    this.notify();
    if (!KEY_ERRORS.has(code)) {
      // A passing failure: forget it after a while, so whoever still shows the key asks again.
      this.later(this.retryAfterMs, () => {
        let changed = false;
        for (const k of keys) {
          if (this.entries.get(k)?.error === code) {
            this.entries.delete(k);
            changed = true;
          }
        }
        if (changed) this.notify();
      });
    }
  }
}
