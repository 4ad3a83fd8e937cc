// The chat session: glues the transport (ChatClient) to the store. It owns the outbox (sent by
// OutboxSender; pending messages are re-sent with the same clientMessageId after every reconnect), the resync
// after a reconnect (getClients, newest page of the open conversation and of every conversation
// seen) and the session's life: started for a signed-in user, ended by sign-out or when the
// access token cannot be renewed any more. Components call its methods and read the store; nothing here is React.
import { DownloadUrlCache } from '../media/downloadUrlCache';
import { isValidFileName } from '../media/mediaRules';
import { MediaError, mediaErrorMessage, uploadFile, type UploadDeps, type UploadSource } from '../media/upload';
import { checkText, DEFAULT_PAGE_LIMIT, newClientMessageId, trimText } from '../protocol/chatRules';
import { ChatClient, type TransportHandlers, type TransportStatus } from '../protocol/client';
import type { Conversation } from '../protocol/conversations';
import type { Attachment, ChatMessage, ClientAction, RequestAction, RequestAnswers, ServerEvent } from '../protocol/frames';
import { RequestError } from '../protocol/requests';
import { TokenKeeper, type AccessTokenGetter, type AccessTokenSource } from '../protocol/tokens';
import { createStore, type ConnectionState, type OutgoingMessage, type Store } from './appState';
import { OutboxSender } from './outbox';

/** What the session needs from a transport (ChatClient, or a fake in tests). */
export interface Transport {
  connect(): void;
  close(): void;
  send(action: ClientAction): boolean;
  /** Sends with a fresh `requestId`; settles with the answer or a RequestError (see ChatClient.request). */
  request<A extends RequestAction>(action: A): Promise<RequestAnswers[A['action']]>;
  reconnectNow(): void;
  /** The user waits on the socket: replace it unless it answers within seconds (see ChatClient.probe). */
  probe(): void;
  setNetworkAvailable(up: boolean): void;
}

export type TransportFactory = (
  options: { url: string; accessToken: AccessTokenGetter },
  handlers: Required<TransportHandlers>,
) => Transport;

export interface ChatSessionOptions {
  websocketUrl: string;
  /** The signed-in user's access token (the auth service), asked before every connection. */
  accessToken: AccessTokenSource;
  createTransport?: TransportFactory;
  now?: () => number;
  newId?: () => string;
  pageSize?: number;
  store?: Store;
  /** Sends files to storage (the presigned PUT); the browser's fetch by default. */
  fetch?: typeof fetch;
}

/** Shown on the sign-in screen when the session could not be renewed. */
export const SESSION_ENDED_MESSAGE = 'Your session has ended, sign in again.';

export { ANSWER_TIMEOUT_MS } from './outbox';

/**
 * A message unanswered this long makes the session probe the socket: the user is looking at
 * "Sending…", so a dead socket must show within seconds, not at the next keepalive. An answer
 * usually comes well before, so a healthy connection costs no extra frame. With the probe's
 * deadline (PROBE_TIMEOUT_MS) a dead socket shows as reconnecting 4 s after the send.
 */
export const UNANSWERED_SEND_PROBE_MS = 1000;

const defaultTransport: TransportFactory = (options, handlers) => new ChatClient({ ...options, ...handlers });

const STATUS_TO_CONNECTION: Record<Exclude<TransportStatus, 'idle'>, Exclude<ConnectionState, 'signedOut'>> = {
  connecting: 'connecting',
  online: 'online',
  reconnecting: 'reconnecting',
  offline: 'offline',
};

export class ChatSession {
  readonly store: Store;
  /** Presigned download URLs of the media keys on screen (avatars, attachments). */
  readonly media: DownloadUrlCache;
  private readonly opts: ChatSessionOptions;
  private readonly createTransport: TransportFactory;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly pageSize: number;
  private transport: Transport | null = null;
  private tokens: TokenKeeper | null = null;
  private networkUp = true;
  private readonly fetchImpl: typeof fetch;
  private readonly outbox: OutboxSender;
  /** Probes the socket if the message in flight is still unanswered (see UNANSWERED_SEND_PROBE_MS). */
  private unansweredSendTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly liveMessageListeners = new Set<(message: ChatMessage) => void>();

  constructor(options: ChatSessionOptions) {
    this.opts = options;
    this.store = options.store ?? createStore();
    this.createTransport = options.createTransport ?? defaultTransport;
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? newClientMessageId;
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_LIMIT;
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.media = new DownloadUrlCache({
      fetchUrls: (keys) => this.request({ action: 'getDownloadUrl', keys }),
      now: this.now,
    });
    this.outbox = new OutboxSender(this.store, (action) => this.sendFromOutbox(action));
  }

  /**
   * Starts the chat for the signed-in user (the name comes from their token): connects, and keeps
   * reconnecting, with a fresh access token for every attempt.
   */
  start(username: string): void {
    this.stopTransport();
    this.media.reset();
    this.store.dispatch({ type: 'signIn', username });
    const tokens = new TokenKeeper({ source: this.opts.accessToken, now: this.now, onSessionEnded: () => this.endSession(tokens) });
    this.tokens = tokens;
    let transport: Transport | null = null;
    const current = () => transport !== null && this.transport === transport;
    transport = this.createTransport(
      { url: this.opts.websocketUrl, accessToken: (o) => tokens.token(o) },
      {
        onOpen: () => current() && this.handleOpen(),
        onEvent: (event) => current() && this.handleEvent(event),
        onStatus: (status) => {
          if (!current()) return;
          if (status !== 'online') this.media.setOnline(false);
          if (status !== 'idle') this.store.dispatch({ type: 'connection', state: STATUS_TO_CONNECTION[status] });
        },
        onSessionEnded: () => current() && this.endSession(tokens),
      },
    );
    this.transport = transport;
    transport.connect();
    if (!this.networkUp) transport.setNetworkAvailable(false);
  }

  /** Closes the connection and forgets everything of this user (the caller signs out of Cognito). */
  signOut(reason?: string): void {
    this.stopTransport();
    this.media.reset();
    this.store.dispatch({ type: 'signOut', reason });
  }

  /**
   * Stops the connection (the component using the session unmounted). The session stays usable:
   * React's StrictMode unmounts and mounts again with the same session.
   */
  dispose(): void {
    this.stopTransport();
  }

  openConversation(conversation: Conversation | null): void {
    this.store.dispatch({ type: 'openConversation', conversation });
    if (conversation === null) return;
    const conv = this.store.getState().conversations[conversation.id];
    if (conv && !conv.loadingNewest && (conv.nextCursor === undefined || conv.stale)) {
      this.requestNewest(conv);
    }
  }

  /** Asks for the page before the oldest loaded message; no-op while one is loading or at the start. */
  loadOlder(conversationId: string): boolean {
    const conv = this.store.getState().conversations[conversationId];
    if (!conv || conv.loadingOlder || typeof conv.nextCursor !== 'string') return false;
    const sent = this.send({ action: 'getMessages', conversationId: conv.id, limit: this.pageSize, cursor: conv.nextCursor });
    if (sent) this.store.dispatch({ type: 'requestPage', conversation: conv, older: true });
    return sent;
  }

  /**
   * Optimistic send: shown pending at once, sent now if online, else when the socket is back.
   * With an attachment (already uploaded, see uploadAttachment) the text may be empty.
   */
  sendMessage(conversation: Conversation, rawText: string, attachment?: Attachment): OutgoingMessage | null {
    const { text, problem } = checkText(rawText);
    if (this.store.getState().me === null) return null;
    if (problem && !(attachment && problem === 'empty_text')) return null;
    if (attachment && !isValidFileName(attachment.name)) return null;
    const message: OutgoingMessage = {
      clientMessageId: this.newId(),
      conversationId: conversation.id,
      text,
      createdAt: this.now(),
      status: 'pending',
      ...(attachment ? { attachment } : {}),
    };
    this.store.dispatch({ type: 'send', conversation, message });
    this.outbox.sendNext();
    return message;
  }

  /** Retries a failed message with the same clientMessageId, so the server cannot store it twice. */
  retry(clientMessageId: string): void {
    this.store.dispatch({ type: 'retry', clientMessageId });
    this.outbox.sendNext();
  }

  discard(clientMessageId: string): void {
    this.store.dispatch({ type: 'discard', clientMessageId });
  }

  dismissNotice(): void {
    this.store.dispatch({ type: 'dismissNotice' });
  }

  /**
   * Uploads a file for a conversation (check, getUploadUrl, PUT); resolves with the attachment to
   * send with sendMessage. Rejects with a MediaError (or the AbortError of `signal`).
   */
  async uploadAttachment(conversationId: string, file: UploadSource & Blob, signal?: AbortSignal): Promise<Attachment> {
    const uploaded = await uploadFile(this.uploadDeps(), 'attachment', file, { conversationId, signal });
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

  private uploadDeps(): UploadDeps {
    return {
      getUploadUrl: (request) => this.request({ action: 'getUploadUrl', ...request }),
      fetch: this.fetchImpl,
      now: this.now,
    };
  }

  private request<A extends RequestAction>(action: A): Promise<RequestAnswers[A['action']]> {
    if (!this.transport) return Promise.reject(new RequestError('offline', 'Not connected to the server.', action.action));
    return this.transport.request(action);
  }

  /**
   * Calls `listener` with every live `message` event, after the store has taken it (never for
   * history pages or acks of my own sends): what notifications react to. Returns the unsubscribe.
   */
  onLiveMessage(listener: (message: ChatMessage) => void): () => void {
    this.liveMessageListeners.add(listener);
    return () => this.liveMessageListeners.delete(listener);
  }

  /** Browser online/offline events. */
  setNetworkAvailable(up: boolean): void {
    this.networkUp = up;
    this.transport?.setNetworkAvailable(up);
  }

  /** The tab became visible again: check within seconds that the socket survived (sleep, network change). */
  wake(): void {
    this.transport?.probe();
  }

  /** The token could not be renewed (refresh token revoked or expired): back to the sign-in screen. */
  private endSession(tokens: TokenKeeper): void {
    if (this.tokens !== tokens) return;
    this.signOut(SESSION_ENDED_MESSAGE);
  }

  private stopTransport(): void {
    const t = this.transport;
    this.transport = null;
    this.tokens?.stop();
    this.tokens = null;
    this.outbox.release();
    this.clearUnansweredSendTimer();
    this.media.setOnline(false);
    t?.close();
  }

  private handleOpen(): void {
    this.store.dispatch({ type: 'connection', state: 'online' });
    this.resync();
  }

  /** After every open: the people list, the newest page of every conversation seen, then the outbox. */
  private resync(): void {
    this.send({ action: 'getClients' });
    const state = this.store.getState();
    const open = state.openConversationId ? state.conversations[state.openConversationId] : undefined;
    if (open) this.requestNewest(open);
    for (const conv of Object.values(state.conversations)) {
      if (conv === open) continue;
      if (conv.stale || conv.messages.length > 0) this.requestNewest(conv);
    }
    this.outbox.restart();
    // Download URLs held back while disconnected (or refused before) are asked again.
    this.media.setOnline(true);
  }

  private requestNewest(conversation: Conversation): void {
    if (this.send({ action: 'getMessages', conversationId: conversation.id, limit: this.pageSize })) {
      this.store.dispatch({ type: 'requestPage', conversation, older: false });
    }
  }

  private send(action: ClientAction): boolean {
    return this.transport?.send(action) ?? false;
  }

  /** The outbox's sends: one message in flight at a time, so one timer watches its answer. */
  private sendFromOutbox(action: ClientAction): boolean {
    const sent = this.send(action);
    if (sent && action.action === 'sendMessage') {
      this.clearUnansweredSendTimer();
      const transport = this.transport;
      const { clientMessageId } = action;
      this.unansweredSendTimer = setTimeout(() => {
        this.unansweredSendTimer = null;
        if (this.transport === transport && this.store.getState().outbox[clientMessageId]?.status === 'pending') transport?.probe();
      }, UNANSWERED_SEND_PROBE_MS);
    }
    return sent;
  }

  private clearUnansweredSendTimer(): void {
    if (this.unansweredSendTimer !== null) clearTimeout(this.unansweredSendTimer);
    this.unansweredSendTimer = null;
  }

  private handleEvent(event: ServerEvent): void {
    this.store.dispatch({ type: 'server', event });
    if (event.type === 'message') for (const listener of [...this.liveMessageListeners]) listener(event.message);
    if (event.type === 'error' && event.code === 'unknown_connection') {
      // The server forgot this connection (cleaned up): a new one re-registers; the outbox follows.
      this.transport?.reconnectNow();
    }
  }
}
