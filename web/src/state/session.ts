// The chat session: glues the transport (ChatClient) to the store. It owns the outbox (sent by
// OutboxSender; pending messages are re-sent with the same clientMessageId after every reconnect), the resync
// after a reconnect (the inbox's first page, newest page of the open conversation and of every
// conversation seen, the open room's members), read state (markRead, see ReadMarker), the rooms'
// requests and the session's life: started for a signed-in user, ended by sign-out or when the
// access token cannot be renewed any more. Components call its methods and read the store; nothing here is React.
import { DownloadUrlCache } from '../media/downloadUrlCache';
import { isValidFileName } from '../media/mediaRules';
import { MediaError, mediaErrorMessage, uploadFile, type UploadDeps, type UploadSource } from '../media/upload';
import * as actions from '../protocol/actions';
import { checkRoomName, checkText, DEFAULT_PAGE_LIMIT, MAX_USERS_PER_REQUEST, newClientMessageId, sameUser, trimText } from '../protocol/chatRules';
import { ChatClient, type TransportHandlers, type TransportStatus } from '../protocol/client';
import { isRoomId, type Conversation } from '../protocol/conversations';
import type {
  Attachment,
  ChatMessage,
  ClientAction,
  ReplyQuote,
  MembershipEvent,
  PeopleEvent,
  RequestAction,
  RequestAnswers,
  Role,
  RoomView,
  ServerEvent,
} from '../protocol/frames';
import { RequestError } from '../protocol/requests';
import { TokenKeeper, type AccessTokenGetter, type AccessTokenSource } from '../protocol/tokens';
import { errorText } from '../protocol/errorMessages';
import { createStore, type AppState, type ConnectionState, type OutgoingMessage, type Store } from './appState';
import { nextTypingExpiry, TypingThrottle } from './lifecycle';
import { OutboxSender } from './outbox';
import { ReadMarker } from './readMarker';

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

/** A message just stored may not be found for a moment (see requestOnMessage): asked again after this. */
export const MESSAGE_INDEX_RETRY_MS = 1000;

/** Members of a room whose presence is watched when it opens (the first of its first page). */
export const WATCH_ON_OPEN = MAX_USERS_PER_REQUEST;

/** The newest message on screen from someone else, once the newest page is trusted; undefined otherwise. */
export function newestFromOthers(state: AppState, conversationId: string): string | undefined {
  const conv = state.conversations[conversationId];
  if (!conv || conv.nextCursor === undefined || conv.stale || conv.loadingNewest) return undefined;
  for (let i = conv.messages.length - 1; i >= 0; i--) {
    const m = conv.messages[i]!;
    if (!sameUser(m.from, state.me)) return m.id;
  }
  return undefined;
}

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
  private readonly readMarker: ReadMarker;
  /** The tab is visible: only then does a conversation on screen count as read. */
  private visible = false;
  /** A request of the inbox's first page is on its way (refreshes are not stacked). */
  private inboxRefreshing = false;
  /** Rooms whose members' first page is on its way. */
  private readonly membersRefreshing = new Set<string>();
  private readonly typingThrottle = new TypingThrottle();
  /** Clears "alice is typing…" when it is over. */
  private typingTimer: { at: number; timer: ReturnType<typeof setTimeout> } | null = null;

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
    this.readMarker = new ReadMarker({ send: (conversationId, messageId) => this.sendMarkRead(conversationId, messageId) });
    // Whatever changes what is on screen (a page, a live message, the conversation opened) may move the read point.
    this.store.subscribe(() => this.noteRead());
    this.store.subscribe(() => this.scheduleTypingExpiry());
  }

  /**
   * Starts the chat for the signed-in user (the name comes from their token): connects, and keeps
   * reconnecting, with a fresh access token for every attempt.
   */
  start(username: string): void {
    this.stopTransport();
    this.media.reset();
    this.readMarker.reset();
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
    this.readMarker.reset();
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
    const before = this.store.getState().openConversationId;
    this.store.dispatch({ type: 'openConversation', conversation });
    if (conversation === null) return;
    const conv = this.store.getState().conversations[conversation.id];
    if (conv && !conv.loadingNewest && (conv.nextCursor === undefined || conv.stale)) {
      this.requestNewest(conv);
    }
    // A room opened: its members (read points for "Read by N", presence dots) and their presence, live.
    if (conversation.kind === 'room' && before !== conversation.id) void this.refreshMembers(conversation.id, WATCH_ON_OPEN);
  }

  /** The inbox's next page (scrolled to its end); false when there is none or one is loading. */
  loadMoreConversations(): boolean {
    const { inbox } = this.store.getState();
    if (inbox.loading || typeof inbox.nextCursor !== 'string') return false;
    void this.requestInbox(inbox.nextCursor);
    return true;
  }

  /** The inbox's first page again (it replaces what is listed). */
  refreshInbox(): void {
    if (this.inboxRefreshing) return;
    void this.requestInbox(null);
  }

  /**
   * A room's members, the first page again; the first `watchCount` of them (not me) are watched
   * so their presence dots are live. Never rejects (a refusal leaves the list as it was).
   */
  async refreshMembers(conversationId: string, watchCount = 0): Promise<void> {
    if (this.membersRefreshing.has(conversationId)) return;
    this.membersRefreshing.add(conversationId);
    try {
      await this.requestMembers(conversationId, null, watchCount);
    } finally {
      this.membersRefreshing.delete(conversationId);
    }
  }

  /** A room's next page of members (the panel scrolled to its end), watched as they are shown. */
  loadMoreMembers(conversationId: string): boolean {
    const held = this.store.getState().members[conversationId];
    if (!held || held.loading || typeof held.nextCursor !== 'string') return false;
    void this.requestMembers(conversationId, held.nextCursor, Number.POSITIVE_INFINITY);
    return true;
  }

  /** Watches the presence of these members of a conversation (50 per request); errors are ignored (a dot stays unknown). */
  async watchPresence(conversationId: string, usernames: readonly string[]): Promise<void> {
    const me = this.store.getState().me;
    await Promise.all(actions.watchPresence(conversationId, usernames, me).map((action) => this.request(action).catch(() => undefined)));
  }

  /** Creates a room with its first members; resolves with it (already in the inbox). Rejects with a RequestError. */
  async createRoom(name: string, members: readonly string[]): Promise<RoomView> {
    const { problem } = checkRoomName(name);
    if (problem) throw new RequestError('invalid_room_name', 'Invalid room name.', 'createRoom');
    const answer = await this.request(actions.createRoom(name, members, this.store.getState().me));
    return answer.room;
  }

  async renameRoom(conversationId: string, name: string): Promise<RoomView> {
    const { problem } = checkRoomName(name);
    if (problem) throw new RequestError('invalid_room_name', 'Invalid room name.', 'renameRoom');
    return (await this.request(actions.renameRoom(conversationId, name))).room;
  }

  addMembers(conversationId: string, usernames: readonly string[]): Promise<MembershipEvent> {
    return this.request(actions.addMembers(conversationId, usernames, this.store.getState().me));
  }

  removeMember(conversationId: string, username: string): Promise<MembershipEvent> {
    return this.request(actions.removeMember(conversationId, username));
  }

  /** Leaves a room (an owner with others in it must transfer first: `owner_must_transfer`). */
  leaveRoom(conversationId: string): Promise<MembershipEvent> {
    return this.removeMember(conversationId, this.store.getState().me ?? '');
  }

  /** `owner` transfers the ownership (I become admin). */
  setRole(conversationId: string, username: string, role: Role): Promise<MembershipEvent> {
    return this.request(actions.setRole(conversationId, username, role));
  }

  /** A page of the people directory whose usernames start with `prefix`. */
  searchPeople(prefix: string, cursor?: string | null): Promise<PeopleEvent> {
    return this.request(actions.searchPeople(prefix, cursor));
  }

  /** Whether the tab is visible (only a visible conversation on screen is read). */
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.noteRead();
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
  sendMessage(conversation: Conversation, rawText: string, attachment?: Attachment, replyTo?: ReplyQuote): OutgoingMessage | null {
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
      ...(replyTo ? { replyTo } : {}),
    };
    this.store.dispatch({ type: 'send', conversation, message });
    this.outbox.sendNext();
    return message;
  }

  /**
   * Edits my message (an empty text only beside an attachment: the text is removed). Resolves once
   * the server took it (the store has it then); rejects with a RequestError.
   */
  async editMessage(conversationId: string, messageId: string, rawText: string): Promise<void> {
    const { text, problem } = checkText(rawText);
    const held = this.store.getState().conversations[conversationId]?.messages.find((m) => m.id === messageId);
    if (problem && !(problem === 'empty_text' && held?.attachment)) throw new RequestError(problem, errorText(problem), 'editMessage');
    await this.requestOnMessage(actions.editMessage(conversationId, messageId, text));
  }

  /** Deletes a message (mine, or any in a room I own or administer); rejects with a RequestError. */
  async deleteMessage(conversationId: string, messageId: string): Promise<void> {
    await this.requestOnMessage(actions.deleteMessage(conversationId, messageId));
  }

  /**
   * Sets my reaction with `emoji` to `reacted` (the UI sends the opposite of what it shows). A
   * refusal is told in the notice banner.
   */
  async react(conversationId: string, messageId: string, emoji: string, reacted: boolean): Promise<void> {
    try {
      await this.requestOnMessage(actions.react(conversationId, messageId, emoji, reacted));
    } catch (error) {
      if (error instanceof RequestError) this.store.dispatch({ type: 'notice', code: error.code, message: errorText(error.code, error.message) });
    }
  }

  /** The composer's text changed: `typing` goes at most every 3 s while it is not empty. */
  noteTyping(conversationId: string, text: string): void {
    if (this.typingThrottle.shouldSend(conversationId, text, this.now())) this.send(actions.typing(conversationId));
  }

  /** Tells a refusal in the notice banner (an edit or a deletion that failed). */
  tell(code: string, message: string): void {
    this.store.dispatch({ type: 'notice', code, message });
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

  /**
   * A request naming a message. The server finds it through an eventually consistent index: a
   * message just stored may not be found yet (`invalid_message_id`), so a message this tab holds
   * is asked about once more a second later.
   */
  private async requestOnMessage<A extends RequestAction & { conversationId: string; messageId: string }>(action: A): Promise<RequestAnswers[A['action']]> {
    try {
      return await this.request(action);
    } catch (error) {
      const held = this.store.getState().conversations[action.conversationId]?.messages.some((m) => m.id === action.messageId);
      if (!(error instanceof RequestError) || error.code !== 'invalid_message_id' || !held) throw error;
      await new Promise((resolve) => setTimeout(resolve, MESSAGE_INDEX_RETRY_MS));
      return this.request(action);
    }
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
    // Rooms get no live read points of others: what was read meanwhile shows now.
    const open = this.store.getState().openConversationId;
    if (open && isRoomId(open)) void this.refreshMembers(open);
  }

  /** The token could not be renewed (refresh token revoked or expired): back to the sign-in screen. */
  private endSession(tokens: TokenKeeper): void {
    if (this.tokens !== tokens) return;
    this.signOut(SESSION_ENDED_MESSAGE);
  }

  /** One timer for the typer whose "is typing…" ends first. */
  private scheduleTypingExpiry(): void {
    const next = nextTypingExpiry(this.store.getState().typing);
    if (next === this.typingTimer?.at) return;
    if (this.typingTimer) clearTimeout(this.typingTimer.timer);
    this.typingTimer = null;
    if (next === null) return;
    const timer = setTimeout(() => {
      this.typingTimer = null;
      this.store.dispatch({ type: 'typingExpired', at: this.now() });
      this.scheduleTypingExpiry();
    }, Math.max(0, next - this.now()));
    this.typingTimer = { at: next, timer };
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

  /** After every open: the inbox, the newest page of every conversation seen, the open room's members, then the outbox. */
  private resync(): void {
    this.inboxRefreshing = false;
    this.membersRefreshing.clear();
    this.refreshInbox();
    const state = this.store.getState();
    const open = state.openConversationId ? state.conversations[state.openConversationId] : undefined;
    if (open) this.requestNewest(open);
    if (open?.kind === 'room') void this.refreshMembers(open.id, WATCH_ON_OPEN);
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

  /** Asks for an inbox page (null: the first, which replaces the list). */
  private async requestInbox(cursor: string | null): Promise<void> {
    const first = cursor === null;
    if (first) this.inboxRefreshing = true;
    const transport = this.transport;
    this.store.dispatch({ type: 'inboxRequested' });
    try {
      const page = await this.request(actions.getConversations(cursor));
      if (this.transport === transport) this.store.dispatch({ type: 'inboxPage', page, first });
    } catch {
      if (this.transport === transport) this.store.dispatch({ type: 'inboxFailed' });
    } finally {
      if (first && this.transport === transport) this.inboxRefreshing = false;
    }
  }

  /** Asks for a page of members, then watches the first `watchCount` of them (not me). */
  private async requestMembers(conversationId: string, cursor: string | null, watchCount: number): Promise<void> {
    const transport = this.transport;
    this.store.dispatch({ type: 'membersRequested', conversationId });
    let page;
    try {
      page = await this.request(actions.getMembers(conversationId, cursor));
    } catch {
      // Not a member (any more), offline: the panel keeps what it had; the next refresh asks again.
      if (this.transport === transport) this.store.dispatch({ type: 'membersFailed', conversationId });
      return;
    }
    if (this.transport !== transport) return;
    this.store.dispatch({ type: 'membersPage', page, first: cursor === null });
    const me = this.store.getState().me;
    const names = page.members.map((m) => m.username).filter((u) => !sameUser(u, me));
    if (watchCount > 0 && names.length > 0) await this.watchPresence(conversationId, names.slice(0, watchCount));
  }

  /** The conversation on screen in a visible tab: its newest message from someone else is read. */
  private noteRead(): void {
    const state = this.store.getState();
    const open = state.openConversationId;
    if (!this.visible || open === null || state.connection !== 'online') return;
    const newest = newestFromOthers(state, open);
    if (newest === undefined) return;
    this.readMarker.note(open, newest, state.inbox.items[open]?.readMessageId, this.now());
  }

  private async sendMarkRead(conversationId: string, messageId: string): Promise<boolean> {
    try {
      // The answer is a `readState`: the reducer applies it (as my other connections do).
      await this.request(actions.markRead(conversationId, messageId));
      return true;
    } catch (error) {
      // Refused for good (not a member any more, a message not there): not sent again.
      return error instanceof RequestError && error.code !== 'offline' && error.code !== 'disconnected' && error.code !== 'timeout';
    }
  }

  private send(action: ClientAction): boolean {
    return this.transport?.send(action) ?? false;
  }

  /** The outbox's sends: one message in flight at a time, so one timer watches its answer. */
  /** What an event calls for beyond the store: the inbox or a room's members asked again. */
  private followUp(event: ServerEvent, before: AppState): void {
    const state = this.store.getState();
    const open = state.openConversationId;
    switch (event.type) {
      case 'message':
      case 'messageAck': {
        const cid = event.message.conversationId;
        // A conversation the inbox does not list (a room I was just added to, a first message): its details come with the first page.
        if (!before.inbox.items[cid] && before.inbox.nextCursor !== undefined) this.refreshInbox();
        // My message is stored: who has read the room since shows ("Read by N").
        if (event.type === 'messageAck' && cid === open && isRoomId(cid)) void this.refreshMembers(cid);
        break;
      }
      case 'membership': {
        const me = state.me;
        const aboutMe = event.users.some((u) => sameUser(u, me));
        // Added to a room: its last message and unread count come with the inbox's first page.
        if (aboutMe && event.change === 'added' && !before.inbox.items[event.conversationId]) this.refreshInbox();
        // The open room's members changed: the panel and the watched presence follow.
        if (event.conversationId === open && state.inbox.items[open]) void this.refreshMembers(open, event.change === 'added' ? WATCH_ON_OPEN : 0);
        break;
      }
      default:
        break;
    }
  }

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
    const before = this.store.getState();
    this.store.dispatch({ type: 'server', event, at: this.now() });
    if (event.type === 'message') for (const listener of [...this.liveMessageListeners]) listener(event.message);
    this.followUp(event, before);
    if (event.type === 'error' && event.code === 'unknown_connection') {
      // The server forgot this connection (cleaned up): a new one re-registers; the outbox follows.
      this.transport?.reconnectNow();
    }
  }
}
