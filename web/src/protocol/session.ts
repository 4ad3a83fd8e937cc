// The chat session: glues the transport (ChatClient) to the store. It owns the outbox policy
// (pending messages are re-sent with the same clientMessageId after every reconnect), the resync
// after a reconnect (getClients, newest page of the open conversation and of every conversation
// seen) and the sign-in flow. Components call its methods and read the store; nothing here is React.
import { ChatClient, connectionUrl, type TransportHandlers, type TransportStatus } from './client';
import { checkText, DEFAULT_PAGE_LIMIT, isValidUsername, newClientMessageId, USERNAME_RULE, userKey } from './rules';
import {
  createStore,
  selectPendingOutbox,
  type ConnectionState,
  type OutgoingMessage,
  type Store,
} from './state';
import type { ClientAction, ServerEvent } from './types';

/** What the session needs from a transport (ChatClient, or a fake in tests). */
export interface Transport {
  connect(): void;
  close(): void;
  send(action: ClientAction): boolean;
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
}

export const USERNAME_STORAGE_KEY = 'chatastrophy.username';

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
  private readonly opts: ChatSessionOptions;
  private readonly createTransport: TransportFactory;
  private readonly storage: KeyValueStorage | null;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly pageSize: number;
  private transport: Transport | null = null;
  private networkUp = true;

  constructor(options: ChatSessionOptions) {
    this.opts = options;
    this.store = options.store ?? createStore();
    this.createTransport = options.createTransport ?? defaultTransport;
    this.storage = options.storage ?? null;
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? newClientMessageId;
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_LIMIT;
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
    this.store.dispatch({ type: 'signOut' });
  }

  dispose(): void {
    this.stopTransport();
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

  /** Optimistic send: shown pending at once, sent now if online, else when the socket is back. */
  sendMessage(to: string, rawText: string): OutgoingMessage | null {
    const { text, problem } = checkText(rawText);
    const state = this.store.getState();
    if (problem || state.me === null) return null;
    const message: OutgoingMessage = {
      clientMessageId: this.newId(),
      conversationKey: userKey(to),
      to: state.conversations[userKey(to)]?.with ?? to,
      text,
      createdAt: this.now(),
      status: 'pending',
    };
    this.store.dispatch({ type: 'send', message });
    this.transmit(message);
    return message;
  }

  /** Retries a failed message with the same clientMessageId, so the server cannot store it twice. */
  retry(clientMessageId: string): void {
    this.store.dispatch({ type: 'retry', clientMessageId });
    const m = this.store.getState().outbox[clientMessageId];
    if (m && m.status === 'pending') this.transmit(m);
  }

  discard(clientMessageId: string): void {
    this.store.dispatch({ type: 'discard', clientMessageId });
  }

  dismissNotice(): void {
    this.store.dispatch({ type: 'dismissNotice' });
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
          if (current() && status !== 'idle') {
            this.store.dispatch({ type: 'connection', state: STATUS_TO_CONNECTION[status] });
          }
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
    for (const m of selectPendingOutbox(this.store.getState())) this.transmit(m);
  }

  private requestNewest(name: string): void {
    if (this.send({ action: 'getMessages', with: name, limit: this.pageSize })) {
      this.store.dispatch({ type: 'requestPage', with: name, older: false });
    }
  }

  private transmit(m: OutgoingMessage): void {
    this.send({ action: 'sendMessage', to: m.to, text: m.text, clientMessageId: m.clientMessageId });
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
