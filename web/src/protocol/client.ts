// The WebSocket transport: one socket at a time, keepalive pings, reconnect with exponential
// backoff and jitter after any drop (including API Gateway's 2-hour cut). Every attempt first asks
// for an access token and offers it as a subprotocol. It knows nothing of React or app state: it
// reports status changes, opens and parsed events to its handlers.
//
// Liveness: a socket can die silently (a frozen server, a laptop waking up, a network change) and
// the browser may take minutes to notice. Idle, only the keepalive ping every 5 minutes checks it
// (each frame costs money on API Gateway). When the user is waiting on the socket (an unanswered
// send, the tab shown again, the network back) `probe()` sends a ping that must be answered within
// a few seconds, else the socket is replaced. The browser's `offline` event drops it at once, and
// a handshake that hangs is given up after the connect timeout.
import type { ClientAction, RequestAction, RequestAnswers, ServerEvent } from './frames';
import { parseServerEvent } from './parse';
import { REQUEST_TIMEOUT_MS, RequestTracker } from './requests';
import type { AccessTokenGetter } from './tokens';

/** The subset of the browser WebSocket the client uses (a fake one in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

/**
 * The subprotocol offered next to the token; the server answers with it (browsers drop a handshake
 * whose answer names none of the offered protocols).
 */
export const SUBPROTOCOL = 'chatastrophy.v1';

export type TransportStatus = 'idle' | 'connecting' | 'online' | 'reconnecting' | 'offline';

export interface TransportHandlers {
  /** The socket opened; `reconnected` is false for the very first open. */
  onOpen?(info: { reconnected: boolean }): void;
  onEvent?(event: ServerEvent): void;
  onStatus?(status: TransportStatus): void;
  /** The token source found no session (signed out, refresh token revoked or expired): stopped for good. */
  onSessionEnded?(): void;
}

export interface ChatClientOptions extends TransportHandlers {
  /** The WebSocket API's URL; never carries the token (URLs end up in logs). */
  url: string;
  /** Asked before every attempt; `forceRefresh` once after a handshake closed before opening. */
  accessToken: AccessTokenGetter;
  createSocket?: WebSocketFactory;
  /** Interval of `ping` frames while open; API Gateway drops sockets idle for 10 minutes. */
  keepaliveMs?: number;
  /** A connection that answers no frame this long after a keepalive ping is taken as dead. */
  pongTimeoutMs?: number;
  /** A connection that answers no frame this long after a probe (the user is waiting) is taken as dead. */
  probeTimeoutMs?: number;
  /** A handshake not done after this long is abandoned (and tried again with backoff). */
  connectTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Random source for jitter, [0, 1). */
  random?: () => number;
  /** A request (`request()`) with no answer this long after it was sent fails with `timeout`. */
  requestTimeoutMs?: number;
}

export const KEEPALIVE_MS = 5 * 60 * 1000;
export const PONG_TIMEOUT_MS = 30 * 1000;
/** Short: someone is looking at "Sending…"; long enough for a cold-started `$default` to answer a ping. */
export const PROBE_TIMEOUT_MS = 3 * 1000;
/** Longer than a cold-started authorizer and `$connect` take; a frozen server never answers. */
export const CONNECT_TIMEOUT_MS = 10 * 1000;
export const BACKOFF_INITIAL_MS = 1000;
export const BACKOFF_MAX_MS = 30 * 1000;

const OPEN = 1;

/** Exponential backoff with "equal jitter": half the step fixed, half random. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const step = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + random() * (step / 2));
}

const defaultFactory: WebSocketFactory = (url, protocols) => new WebSocket(url, protocols) as unknown as WebSocketLike;

export class ChatClient {
  private readonly opts: Required<Omit<ChatClientOptions, keyof TransportHandlers>> & TransportHandlers;
  private socket: WebSocketLike | null = null;
  private status: TransportStatus = 'idle';
  private stopped = true;
  private everOpened = false;
  private attempt = 0;
  private networkUp = true;
  /** Bumped by close() and reconnectNow(): a token that arrives for an older attempt is dropped. */
  private generation = 0;
  /** The next attempt asks for a refreshed token (the last handshake closed before opening). */
  private refreshNext = false;
  /** A refresh was already tried since the last open: a refused handshake is refreshed for once only. */
  private refreshedSinceOpen = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private keepaliveTimer: ReturnType<typeof setInterval> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  private probeTimer: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly requests: RequestTracker;

  constructor(options: ChatClientOptions) {
    this.opts = {
      createSocket: defaultFactory,
      keepaliveMs: KEEPALIVE_MS,
      pongTimeoutMs: PONG_TIMEOUT_MS,
      probeTimeoutMs: PROBE_TIMEOUT_MS,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      backoffInitialMs: BACKOFF_INITIAL_MS,
      backoffMaxMs: BACKOFF_MAX_MS,
      random: Math.random,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      ...options,
    };
    this.requests = new RequestTracker(this.opts.requestTimeoutMs);
  }

  getStatus(): TransportStatus {
    return this.status;
  }

  /** Opens the connection (and keeps it open until close()). */
  connect(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.everOpened = false;
    this.attempt = 0;
    this.refreshNext = false;
    this.refreshedSinceOpen = false;
    void this.openSocket();
  }

  /** Closes for good: no reconnect. */
  close(): void {
    this.stopped = true;
    this.generation += 1;
    this.clearReconnect();
    this.stopKeepalive();
    this.dropSocket(1000, 'bye');
    this.setStatus('idle');
  }

  /** Sends one action; false when there is no open socket (the caller keeps it for later). */
  send(action: ClientAction): boolean {
    const s = this.socket;
    if (!s || s.readyState !== OPEN || this.status !== 'online') return false;
    try {
      s.send(JSON.stringify(action));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Sends a request with a fresh `requestId`; resolves with the event answering it. Rejects with
   * a RequestError on an `error` echoing the id, when not connected (`offline`), when the socket
   * drops first (`disconnected`) and after the request timeout (`timeout`).
   */
  request<A extends RequestAction>(action: A): Promise<RequestAnswers[A['action']]> {
    return this.requests.request(action, (framed) => this.send(framed as ClientAction));
  }

  /** Drops the current socket (if any) and connects again at once. */
  reconnectNow(): void {
    if (this.stopped) return;
    this.clearReconnect();
    this.stopKeepalive();
    this.dropSocket(4000, 'reconnect');
    this.attempt = 0;
    void this.openSocket();
  }

  /**
   * The user is waiting on the socket (a send unanswered, the tab shown again): sends a ping whose
   * answer — any frame — must come within the probe timeout, else the socket is replaced
   * ('reconnecting'). One probe at a time; nothing to do while not online (a reconnect is under way).
   */
  probe(): void {
    if (this.status !== 'online' || this.probeTimer !== null) return;
    if (!this.send({ action: 'ping' })) {
      this.replaceDeadSocket('probe failed');
      return;
    }
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null;
      this.replaceDeadSocket('probe timeout');
    }, this.opts.probeTimeoutMs);
  }

  /**
   * Browser online/offline. Offline drops the socket at once (it cannot work, and the browser
   * may not close it for minutes) and makes no attempts until the network is back; then one at
   * once, or a probe if the socket is still open (a network change may have killed it).
   */
  setNetworkAvailable(up: boolean): void {
    this.networkUp = up;
    if (this.stopped) return;
    if (!up) {
      this.generation += 1;
      this.clearReconnect();
      this.stopKeepalive();
      this.dropSocket(4003, 'offline');
      this.setStatus('offline');
    } else if (this.status === 'offline' || this.status === 'reconnecting') {
      this.reconnectNow();
    } else if (this.status === 'online') {
      this.probe();
    }
  }

  private setStatus(status: TransportStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.opts.onStatus?.(status);
  }

  private async openSocket(): Promise<void> {
    this.setStatus(this.everOpened ? 'reconnecting' : 'connecting');
    const generation = ++this.generation;
    const forceRefresh = this.refreshNext;
    let token: string | null;
    try {
      token = await this.opts.accessToken({ forceRefresh });
    } catch {
      // Cognito unreachable (offline?): try again later, still wanting the refresh if it was due.
      if (generation !== this.generation || this.stopped) return;
      this.scheduleReconnect();
      return;
    }
    if (generation !== this.generation || this.stopped) return;
    this.refreshNext = false;
    if (forceRefresh) this.refreshedSinceOpen = true;
    if (token === null) {
      this.stopped = true;
      this.setStatus('idle');
      this.opts.onSessionEnded?.();
      return;
    }
    let socket: WebSocketLike;
    try {
      socket = this.opts.createSocket(this.opts.url, [SUBPROTOCOL, token]);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    let opened = false;
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      if (this.socket !== socket) return;
      // The handshake hangs (a frozen server, a captive network): a new attempt, with backoff.
      this.dropSocket(4002, 'connect timeout');
      this.scheduleReconnect();
    }, this.opts.connectTimeoutMs);
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.clearConnectTimer();
      opened = true;
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.refreshedSinceOpen = false;
      this.setStatus('online');
      this.startKeepalive();
      this.opts.onOpen?.({ reconnected });
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      // Any frame shows the socket alive.
      this.clearLivenessTimers();
      if (typeof ev.data !== 'string') return;
      const event = parseServerEvent(ev.data);
      if (!event) return;
      this.opts.onEvent?.(event);
      this.requests.handle(event);
    };
    socket.onerror = () => {
      // Always followed by close, which decides what to do.
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearConnectTimer();
      this.stopKeepalive();
      this.requests.rejectAll();
      if (this.stopped) return;
      // Closed before opening: the browser does not say why (an authorizer's 401 looks like a
      // network failure), so the next attempt brings a refreshed token, once until one opens.
      if (!opened && !this.refreshedSinceOpen) this.refreshNext = true;
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    this.clearReconnect();
    if (this.stopped) return;
    if (!this.networkUp) {
      this.setStatus('offline');
      return;
    }
    const delay = backoffDelay(this.attempt, this.opts.backoffInitialMs, this.opts.backoffMaxMs, this.opts.random);
    this.attempt += 1;
    this.setStatus(this.everOpened ? 'reconnecting' : 'connecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.openSocket();
    }, delay);
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  /** Detaches and closes the current socket so its late events are ignored. */
  private dropSocket(code: number, reason: string): void {
    const s = this.socket;
    this.socket = null;
    this.clearConnectTimer();
    this.requests.rejectAll();
    if (!s) return;
    s.onopen = s.onmessage = s.onerror = null;
    s.onclose = null;
    try {
      s.close(code, reason);
    } catch {
      // already closed
    }
  }

  private startKeepalive(): void {
    this.stopKeepalive();
    this.keepaliveTimer = setInterval(() => this.ping(), this.opts.keepaliveMs);
  }

  private stopKeepalive(): void {
    if (this.keepaliveTimer !== null) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
    this.clearLivenessTimers();
  }

  private ping(): void {
    if (!this.send({ action: 'ping' })) return;
    if (this.pongTimer !== null) return;
    this.pongTimer = setTimeout(() => {
      this.pongTimer = null;
      // No frame since the ping: the socket is half-open (sleep, network change). Replace it.
      this.replaceDeadSocket('keepalive timeout');
    }, this.opts.pongTimeoutMs);
  }

  /** The open socket is taken as dead: drop it (its late events are ignored) and reconnect. */
  private replaceDeadSocket(reason: string): void {
    this.stopKeepalive();
    this.dropSocket(4001, reason);
    this.scheduleReconnect();
  }

  /** The answers awaited after a keepalive ping or a probe. */
  private clearLivenessTimers(): void {
    if (this.pongTimer !== null) clearTimeout(this.pongTimer);
    this.pongTimer = null;
    if (this.probeTimer !== null) clearTimeout(this.probeTimer);
    this.probeTimer = null;
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }
}
