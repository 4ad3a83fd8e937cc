// The access token the WebSocket handshake carries. The authorizer checks it only on $connect, so
// what matters is that every (re)connect offers a token that is still valid, and that a session
// revoked elsewhere ("sign out everywhere", a disabled user) ends here too, not only at the next
// reconnect up to 2 hours later. Knows nothing of Cognito: it asks an AccessTokenSource.

/** An access token (a JWT) and when it expires (ms since the epoch, its `exp` claim). */
export interface AccessToken {
  jwt: string;
  expiresAt: number;
}

/**
 * Where tokens come from (the auth service): the current token, refreshed when expired or when
 * `forceRefresh`; null when there is no session any more (signed out, refresh token revoked or
 * expired). Throws when it cannot tell (network down, Cognito unreachable).
 */
export type AccessTokenSource = (options: { forceRefresh: boolean }) => Promise<AccessToken | null>;

/** What a transport asks before each connection: the token to offer, null when the session ended. */
export type AccessTokenGetter = (options: { forceRefresh: boolean }) => Promise<string | null>;

/** Refresh this long before `exp`; a token with less left is refreshed before a connect. */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;
/** After a refresh that failed for want of network, try again this much later. */
export const REFRESH_RETRY_MS = 60 * 1000;
/** Never refresh more often than this (a pool configured with very short-lived tokens). */
export const MIN_REFRESH_INTERVAL_MS = 30 * 1000;
/** Nor wait longer than this (a clock far off; setTimeout also fires at once past 2^31 ms). */
export const MAX_REFRESH_INTERVAL_MS = 24 * 60 * 60 * 1000;

export interface TokenKeeperOptions {
  source: AccessTokenSource;
  /** The background refresh found the session gone. */
  onSessionEnded(): void;
  now?: () => number;
  refreshBeforeExpiryMs?: number;
  retryMs?: number;
}

/**
 * Hands out tokens for connections and keeps them fresh: after each token it sees, a timer
 * refreshes it `refreshBeforeExpiryMs` before it expires. A refresh that finds no session stops
 * the timer and reports the end; one that fails on the network is tried again later.
 */
export class TokenKeeper {
  private readonly opts: Required<TokenKeeperOptions>;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(options: TokenKeeperOptions) {
    this.opts = { now: Date.now, refreshBeforeExpiryMs: REFRESH_BEFORE_EXPIRY_MS, retryMs: REFRESH_RETRY_MS, ...options };
  }

  /** The token for a connection attempt; `forceRefresh` after a refused handshake. */
  async token({ forceRefresh }: { forceRefresh: boolean }): Promise<string | null> {
    let token = await this.opts.source({ forceRefresh });
    // Amplify refreshes only expired tokens: one about to expire is refreshed now, so clock skew
    // with the authorizer cannot make it look expired there.
    if (token && !forceRefresh && this.remaining(token) < this.opts.refreshBeforeExpiryMs) {
      token = await this.opts.source({ forceRefresh: true });
    }
    if (this.stopped) return null;
    if (!token) {
      this.stop();
      return null;
    }
    this.schedule(this.remaining(token) - this.opts.refreshBeforeExpiryMs);
    return token.jwt;
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private remaining(token: AccessToken): number {
    return token.expiresAt - this.opts.now();
  }

  private schedule(delayMs: number): void {
    this.clearTimer();
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.refresh(), Math.min(Math.max(delayMs, MIN_REFRESH_INTERVAL_MS), MAX_REFRESH_INTERVAL_MS));
  }

  private async refresh(): Promise<void> {
    this.timer = null;
    let token: AccessToken | null;
    try {
      token = await this.opts.source({ forceRefresh: true });
    } catch {
      this.schedule(this.opts.retryMs);
      return;
    }
    if (this.stopped) return;
    if (!token) {
      this.stop();
      this.opts.onSessionEnded();
      return;
    }
    this.schedule(this.remaining(token) - this.opts.refreshBeforeExpiryMs);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
