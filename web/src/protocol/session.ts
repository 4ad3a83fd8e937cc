// The chat session: glues the transport (ChatClient) to the store. It owns the outbox policy
// (one message in flight at a time, oldest first, so they are stored in the order they were
// written; pending messages are re-sent with the same clientMessageId after every reconnect), the resync
// after a reconnect (getClients, newest page of the open conversation and of every conversation
// seen) and the sign-in flow. Components call its methods and read the store; nothing here is React.
import { ChatClient, connectionUrl, type TransportHandlers, type TransportStatus } from './client';
import { DownloadUrlCache } from './downloads';
import { MediaError, mediaErrorMessage, uploadFile, type UploadSource } from './media';
import { RequestError } from './requests';
import { checkText, DEFAULT_PAGE_LIMIT, isValidFileName, isValidUsername, newClientMessageId, trimText, USERNAME_RULE, userKey } from './rules';
import {
  createStore,
  selectPendingOutbox,
  type ConnectionState,
  type OutgoingMessage,
  type Store,
} from './state';
import type { Attachment, ClientAction, RequestAction, RequestAnswers, ServerEvent } from './types';

/** What the session needs from a transport (ChatClient, or a fake in tests). */
export interface Transport {
  connect(): void;
  close(): void;
  send(action: ClientAction): boolean;
  /** Sends with a fresh `requestId`; settles with the answer or a RequestError (see ChatClient.request). */
  request<A extends RequestAction>(action: A): Promise<RequestAnswers[A['action']]>;
  reconnectNow(): void;
  checkAlive(): void;
  setNetworkAvailable(up: boolean): void;
}

export type TransportFactory = (
  url: string,
  handlers: Required<TransportHandlers>,
  options: { retryBeforeFirstOpen: boolean },
) => Transport;

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface ChatSessionOptions {
  websocketUrl: string;
  createTransport?: TransportFactory;
  storage?: KeyValueStorage | null;
  now?: () => number;
  newId?: () => string;
  pageSize?: number;
  store?: Store;
  /** Sends files to storage (the presigned PUT); the browser's fetch by default. */
  fetch?: typeof fetch;
}

export const USERNAME_STORAGE_KEY = 'chatastrophy.username';

/**
 * How long the message in flight may go unanswered before it is sent again. Its clientMessageId
 * stays the same, so the server stores it once however often it arrives.
 */
export const ANSWER_TIMEOUT_MS = 10_000;

const defaultTransport: TransportFactory = (url, handlers, options) =>
  new ChatClient({ url, ...handlers, retryBeforeFirstOpen: options.retryBeforeFirstOpen });

const STATUS_TO_CONNECTION: Record<Exclude<TransportStatus, 'idle'>, Exclude<ConnectionState, 'signedOut'>> = {
  connecting: 'connecting',
  online: 'online',
  reconnecting: 'reconnecting',
  offline: 'offline',
};

export function signInProblem(username: string): string | null {
  if (username.length === 0) return 'Enter a username.';
  if (!isValidUsername(username)) return `A username is ${USERNAME_RULE}.`;
  return null;
}

export class ChatSession {
  readonly store: Store;
  /** Presigned download URLs of the media keys on screen (avatars, attachments). */
  readonly media: DownloadUrlCache;
  private readonly opts: ChatSessionOptions;
  private readonly createTransport: TransportFactory;
  private readonly storage: KeyValueStorage | null;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly pageSize: number;
  private transport: Transport | null = null;
  private networkUp = true;
  private readonly fetchImpl: typeof fetch;
  /**
   * The outbox message sent and not answered yet. The next waits for it: API Gateway runs the
   * messages of one connection concurrently, so two sent together could be stored (and shown to
   * everyone) in either order.
   */
  private inFlight: string | null = null;
  private inFlightTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly stopWatchingOutbox: () => void;

  constructor(options: ChatSessionOptions) {
    this.opts = options;
    this.store = options.store ?? createStore();
    this.createTransport = options.createTransport ?? defaultTransport;
    this.storage = options.storage ?? null;
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? newClientMessageId;
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_LIMIT;
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.media = new DownloadUrlCache({
      fetchUrls: (keys) => this.request({ action: 'getDownloadUrl', keys }),
      now: this.now,
    });
    this.stopWatchingOutbox = this.store.subscribe(() => this.sendNextWhenAnswered());
  }

  /** The username remembered from an earlier successful sign-in, if any. */
  rememberedUsername(): string | null {
    try {
      const name = this.storage?.getItem(USERNAME_STORAGE_KEY) ?? null;
      return name && isValidUsername(name) ? name : null;
    } catch {
      return null;
    }
  }

  /** Signs in again as the remembered user; reconnects with backoff if the server is unreachable. */
  restore(): boolean {
    const name = this.rememberedUsername();
    if (!name) return false;
    this.start(name, true);
    return true;
  }

  /** Validates the name as the server does; a refused connection is reported inline (signInError). */
  signIn(username: string): string | null {
    const problem = signInProblem(username);
    if (problem) {
      this.store.dispatch({ type: 'signInFailed', error: problem });
      return problem;
    }
    this.start(username, false);
    return null;
  }

  signOut(): void {
    this.stopTransport();
    try {
      this.storage?.removeItem(USERNAME_STORAGE_KEY);
    } catch {
      // storage unavailable: nothing to forget
    }
    this.media.reset();
    this.store.dispatch({ type: 'signOut' });
  }

  dispose(): void {
    this.stopTransport();
    this.stopWatchingOutbox();
  }

  openConversation(name: string | null): void {
    this.store.dispatch({ type: 'openConversation', with: name });
    if (name === null) return;
    const conv = this.store.getState().conversations[userKey(name)];
    if (conv && !conv.loadingNewest && (conv.nextCursor === undefined || conv.stale)) {
      this.requestNewest(conv.with);
    }
  }

  /** Asks for the page before the oldest loaded message; no-op while one is loading or at the start. */
  loadOlder(name: string): boolean {
    const conv = this.store.getState().conversations[userKey(name)];
    if (!conv || conv.loadingOlder || typeof conv.nextCursor !== 'string') return false;
    const sent = this.send({ action: 'getMessages', with: conv.with, limit: this.pageSize, cursor: conv.nextCursor });
    if (sent) this.store.dispatch({ type: 'requestPage', with: conv.with, older: true });
    return sent;
  }

  /**
   * Optimistic send: shown pending at once, sent now if online, else when the socket is back.
   * With an attachment (already uploaded, see uploadAttachment) the text may be empty.
   */
  sendMessage(to: string, rawText: string, attachment?: Attachment): OutgoingMessage | null {
    const { text, problem } = checkText(rawText);
    const state = this.store.getState();
    if (state.me === null) return null;
    if (problem && !(attachment && problem === 'empty_text')) return null;
    if (attachment && !isValidFileName(attachment.name)) return null;
    const message: OutgoingMessage = {
      clientMessageId: this.newId(),
      conversationKey: userKey(to),
      to: state.conversations[userKey(to)]?.with ?? to,
      text,
      createdAt: this.now(),
      status: 'pending',
      ...(attachment ? { attachment } : {}),
    };
    this.store.dispatch({ type: 'send', message });
    this.sendNextPending();
    return message;
  }

  /** Retries a failed message with the same clientMessageId, so the server cannot store it twice. */
  retry(clientMessageId: string): void {
    this.store.dispatch({ type: 'retry', clientMessageId });
    this.sendNextPending();
  }

  discard(clientMessageId: string): void {
    this.store.dispatch({ type: 'discard', clientMessageId });
  }

  dismissNotice(): void {
    this.store.dispatch({ type: 'dismissNotice' });
  }

  /**
   * Uploads a file for the conversation with `to` (check, getUploadUrl, PUT); resolves with the
   * attachment to send with sendMessage. Rejects with a MediaError (or the AbortError of `signal`).
   */
  async uploadAttachment(to: string, file: UploadSource & Blob, signal?: AbortSignal): Promise<Attachment> {
    const uploaded = await uploadFile(this.uploadDeps(), 'attachment', file, { to, signal });
    return { key: uploaded.key, name: trimText(file.name), contentType: uploaded.contentType, size: uploaded.size };
  }

  /** Uploads a new profile picture and makes it the user's (the `profile` answer updates the store). */
  async changeAvatar(file: UploadSource & Blob, signal?: AbortSignal): Promise<void> {
    const uploaded = await uploadFile(this.uploadDeps(), 'avatar', file, { signal });
    signal?.throwIfAborted();
    await this.setAvatar(uploaded.key);
  }

  /** Removes the profile picture. */
  removeAvatar(): Promise<void> {
    return this.setAvatar(null);
  }

  private async setAvatar(key: string | null): Promise<void> {
    try {
      // The answer is the `profile` event about me echoing the requestId; the reducer applies it
      // (like the same event without requestId that my other connections and everyone else get).
      await this.request({ action: 'setAvatar', key });
    } catch (error) {
      if (error instanceof RequestError) throw new MediaError(error.code, mediaErrorMessage(error.code, 'avatar', error.message));
      throw error;
    }
  }

  private uploadDeps() {
    return {
      getUploadUrl: (req: { purpose: 'avatar' | 'attachment'; contentType: string; size: number; to?: string }) =>
        this.request({ action: 'getUploadUrl', ...req }),
      fetch: this.fetchImpl,
      now: this.now,
    };
  }

  private request<A extends RequestAction>(action: A): Promise<RequestAnswers[A['action']]> {
    if (!this.transport) return Promise.reject(new RequestError('offline', 'Not connected to the server.', action.action));
    return this.transport.request(action);
  }

  /** Browser online/offline events. */
  setNetworkAvailable(up: boolean): void {
    this.networkUp = up;
    this.transport?.setNetworkAvailable(up);
  }

  /** The tab became visible again: check the socket survived (sleep, network change). */
  wake(): void {
    this.transport?.checkAlive();
  }

  private start(username: string, remembered: boolean): void {
    this.stopTransport();
    this.media.reset();
    this.store.dispatch({ type: 'signIn', username, restoring: remembered });
    const url = connectionUrl(this.opts.websocketUrl, username);
    let transport: Transport | null = null;
    const current = () => transport !== null && this.transport === transport;
    transport = this.createTransport(
      url,
      {
        onOpen: ({ reconnected }) => current() && this.handleOpen(username, reconnected),
        onEvent: (event) => current() && this.handleEvent(event),
        onStatus: (status) => {
          if (!current()) return;
          if (status !== 'online') this.media.setOnline(false);
          if (status !== 'idle') this.store.dispatch({ type: 'connection', state: STATUS_TO_CONNECTION[status] });
        },
        onRefused: () => {
          if (!current()) return;
          this.transport = null;
          this.store.dispatch({
            type: 'signInFailed',
            error: `Could not connect as “${username}”. The server refused the name or cannot be reached.`,
          });
        },
      },
      { retryBeforeFirstOpen: remembered },
    );
    this.transport = transport;
    transport.connect();
    if (!this.networkUp) transport.setNetworkAvailable(false);
  }

  private stopTransport(): void {
    const t = this.transport;
    this.transport = null;
    this.releaseInFlight();
    this.media.setOnline(false);
    t?.close();
  }

  private handleOpen(username: string, reconnected: boolean): void {
    this.store.dispatch({ type: 'connection', state: 'online' });
    if (!reconnected) {
      try {
        this.storage?.setItem(USERNAME_STORAGE_KEY, username);
      } catch {
        // private mode: not remembered
      }
    }
    this.resync();
  }

  /** After every open: the people list, the newest page of every conversation seen, then the outbox. */
  private resync(): void {
    this.send({ action: 'getClients' });
    const state = this.store.getState();
    const open = state.openKey ? state.conversations[state.openKey] : undefined;
    if (open) this.requestNewest(open.with);
    for (const conv of Object.values(state.conversations)) {
      if (conv === open) continue;
      if (conv.stale || conv.messages.length > 0) this.requestNewest(conv.with);
    }
    // Whatever was in flight on the old connection may never be answered: start again from the oldest.
    this.releaseInFlight();
    this.sendNextPending();
    // Download URLs held back while disconnected (or refused before) are asked again.
    this.media.setOnline(true);
  }

  private requestNewest(name: string): void {
    if (this.send({ action: 'getMessages', with: name, limit: this.pageSize })) {
      this.store.dispatch({ type: 'requestPage', with: name, older: false });
    }
  }

  /** Sends the oldest pending message, unless one is still waiting for its answer. */
  private sendNextPending(): void {
    if (this.inFlight !== null) return;
    const [next] = selectPendingOutbox(this.store.getState());
    if (!next || !this.transmit(next)) return;
    this.inFlight = next.clientMessageId;
    this.inFlightTimer = setTimeout(() => {
      this.releaseInFlight();
      this.sendNextPending();
    }, ANSWER_TIMEOUT_MS);
  }

  /**
   * On every store change: once the message in flight is no longer pending (acknowledged,
   * confirmed by a page, failed or discarded), the next goes.
   */
  private sendNextWhenAnswered(): void {
    if (this.inFlight === null || this.store.getState().outbox[this.inFlight]?.status === 'pending') return;
    this.releaseInFlight();
    this.sendNextPending();
  }

  private releaseInFlight(): void {
    if (this.inFlightTimer !== null) clearTimeout(this.inFlightTimer);
    this.inFlightTimer = null;
    this.inFlight = null;
  }

  private transmit(m: OutgoingMessage): boolean {
    return this.send({
      action: 'sendMessage',
      to: m.to,
      text: m.text,
      clientMessageId: m.clientMessageId,
      ...(m.attachment ? { attachment: m.attachment } : {}),
    });
  }

  private send(action: ClientAction): boolean {
    return this.transport?.send(action) ?? false;
  }

  private handleEvent(event: ServerEvent): void {
    this.store.dispatch({ type: 'server', event });
    if (event.type === 'error' && event.code === 'unknown_connection') {
      // The server forgot this connection (cleaned up): a new one re-registers; the outbox follows.
      this.transport?.reconnectNow();
    }
  }
}
