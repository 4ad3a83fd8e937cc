// The app state and its pure reducer: every server event and every local intent goes through
// `reduce`. No I/O, no timers, no React: unit-tested on its own.
import { sameUser, userKey } from '../protocol/chatRules';
import { directConversationId, type Conversation } from '../protocol/conversations';
import type { Attachment, ChatMessage, ServerEvent, UserPresence } from '../protocol/frames';

export type ConnectionState = 'signedOut' | 'connecting' | 'online' | 'reconnecting' | 'offline';

/** A message this tab sent that the server has not acknowledged (pending) or refused (failed). */
export interface OutgoingMessage {
  clientMessageId: string;
  /** The conversation it is sent to. */
  conversationId: string;
  /** The text as it will be stored (already trimmed; may be empty beside an attachment). */
  text: string;
  /** A file already uploaded: re-sent as is (same key) with every retry. */
  attachment?: Attachment;
  /** Local time it was composed, for ordering and display. */
  createdAt: number;
  status: 'pending' | 'failed';
  error?: { code: string; message: string };
}

/** What this tab holds of one conversation (its `with` is the other user's display name, as best known). */
export type ConversationState = Conversation & ConversationHistory;

export interface ConversationHistory {
  /** Confirmed messages, merged by id, sorted by sentAt then id (oldest first). */
  messages: ChatMessage[];
  /** Unread messages received while the conversation was not open. */
  unread: number;
  /** Cursor of the next older page; null when the first message is loaded; undefined before any page. */
  nextCursor: string | null | undefined;
  loadingNewest: boolean;
  loadingOlder: boolean;
  /** The connection dropped since the newest page was loaded: reload it before trusting it. */
  stale: boolean;
  /**
   * Id of the first message that was unread when the conversation was last opened (where the
   * "New messages" divider goes); null when it was opened with nothing unread.
   */
  unreadFrom: string | null;
}

export interface AppState {
  /** The signed-in username (the server's display form once known). */
  me: string | null;
  connection: ConnectionState;
  /** Why the user is signed out when it was not their choice (the session ended): shown on the sign-in screen. */
  signedOutReason: string | null;
  /** Every known user by key (lowercase), including me. Nobody is online in it while we are not connected. */
  users: Record<string, UserPresence>;
  /**
   * The users' presence is the server's word on the current connection (a `clients` answer came
   * since it opened). False while disconnected and until the resync's `clients`: we cannot know
   * who is online then.
   */
  presenceKnown: boolean;
  /** Conversations keyed by conversationId. */
  conversations: Record<string, ConversationState>;
  /** Pending and failed optimistic messages, keyed by clientMessageId. */
  outbox: Record<string, OutgoingMessage>;
  /** conversationId of the conversation on screen. */
  openConversationId: string | null;
  /** Last error not tied to one message, for a dismissible banner. */
  notice: { code: string; message: string } | null;
}

export type Action =
  | { type: 'server'; event: ServerEvent }
  | { type: 'signIn'; username: string }
  | { type: 'signOut'; reason?: string }
  | { type: 'connection'; state: Exclude<ConnectionState, 'signedOut'> }
  | { type: 'openConversation'; conversation: Conversation | null }
  | { type: 'requestPage'; conversation: Conversation; older: boolean }
  | { type: 'send'; conversation: Conversation; message: OutgoingMessage }
  | { type: 'retry'; clientMessageId: string }
  | { type: 'discard'; clientMessageId: string }
  | { type: 'dismissNotice' };

export const initialState: AppState = {
  me: null,
  connection: 'signedOut',
  signedOutReason: null,
  users: {},
  presenceKnown: false,
  conversations: {},
  outbox: {},
  openConversationId: null,
  notice: null,
};

/** Error codes after which the message stays pending: the session reconnects and sends it again. */
const RESEND_AFTER_RECONNECT = new Set(['unknown_connection']);

/** Requests answered through a promise (RequestTracker): their errors are shown where they were made. */
const REQUEST_ACTIONS = new Set(['getUploadUrl', 'getDownloadUrl', 'setAvatar']);

export function compareMessages(a: ChatMessage, b: ChatMessage): number {
  if (a.sentAt !== b.sentAt) return a.sentAt - b.sentAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Merges by id (incoming wins), sorted by sentAt then id. Returns the messages not seen before. */
export function mergeMessages(
  existing: readonly ChatMessage[],
  incoming: readonly ChatMessage[],
): { messages: ChatMessage[]; added: ChatMessage[] } {
  const byId = new Map<string, ChatMessage>();
  for (const m of existing) byId.set(m.id, m);
  const added: ChatMessage[] = [];
  for (const m of incoming) {
    if (!byId.has(m.id)) added.push(m);
    byId.set(m.id, m);
  }
  if (added.length === 0 && incoming.length === 0) return { messages: [...existing], added };
  return { messages: [...byId.values()].sort(compareMessages), added };
}

export function emptyConversation(conversation: Conversation): ConversationState {
  return {
    ...conversation,
    messages: [],
    unread: 0,
    nextCursor: undefined,
    loadingNewest: false,
    loadingOlder: false,
    stale: false,
    unreadFrom: null,
  };
}

/** The id of the oldest of the last `unread` messages from others (the unread part's start), or null. */
export function firstUnreadId(messages: readonly ChatMessage[], unread: number, me: string | null): string | null {
  if (unread <= 0) return null;
  let counted = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (isCountable(m, me) && ++counted === unread) return m.id;
  }
  // Fewer loaded than counted: the unread part starts at the oldest one loaded from others.
  return messages.find((m) => isCountable(m, me))?.id ?? null;
}

/** The other user of a direct message, seen from `me`. */
export function otherParty(message: ChatMessage, me: string | null): string {
  return sameUser(message.from, me) ? message.to : message.from;
}

/** The conversation a message belongs to: messages are direct today, with whoever of from/to is not me. */
function conversationOf(message: ChatMessage, me: string | null): Conversation {
  return { kind: 'direct', id: message.conversationId, with: otherParty(message, me) };
}

/** The state of `conversation`, added (empty, with the other user's display name if known) when new. */
function withConversation(state: AppState, conversation: Conversation): [AppState, ConversationState] {
  const existing = state.conversations[conversation.id];
  if (existing) return [state, existing];
  const display = state.users[userKey(conversation.with)]?.username ?? conversation.with;
  const conv = emptyConversation({ kind: conversation.kind, id: conversation.id, with: display });
  return [putConversation(state, conv), conv];
}

function putConversation(state: AppState, conv: ConversationState): AppState {
  return { ...state, conversations: { ...state.conversations, [conv.id]: conv } };
}

function ensureUser(state: AppState, name: string, online: boolean): AppState {
  const key = userKey(name);
  if (state.users[key]) return state;
  return { ...state, users: { ...state.users, [key]: { username: name, online } } };
}

function removeConfirmed(outbox: Record<string, OutgoingMessage>, confirmed: readonly ChatMessage[], me: string | null) {
  let next = outbox;
  for (const m of confirmed) {
    if (m.clientMessageId && next[m.clientMessageId] && sameUser(m.from, me)) {
      if (next === outbox) next = { ...outbox };
      delete next[m.clientMessageId];
    }
  }
  return next;
}

function isCountable(m: ChatMessage, me: string | null): boolean {
  return !sameUser(m.from, me);
}

/** One live message (event or ack): merge into its conversation, count it unread if not on screen. */
function receiveMessage(state: AppState, message: ChatMessage, countUnread: boolean): AppState {
  const conversation = conversationOf(message, state.me);
  let next = ensureUser(state, conversation.with, !sameUser(message.from, state.me));
  let conv: ConversationState;
  [next, conv] = withConversation(next, conversation);
  const { messages, added } = mergeMessages(conv.messages, [message]);
  const unread =
    countUnread && added.length > 0 && conv.id !== next.openConversationId && isCountable(message, next.me)
      ? conv.unread + 1
      : conv.unread;
  next = putConversation(next, { ...conv, messages, unread });
  const outbox = removeConfirmed(next.outbox, [message], next.me);
  return outbox === next.outbox ? next : { ...next, outbox };
}

/**
 * Merges a history page. The cursor follows the oldest boundary: a page reaching further back
 * than what is loaded brings its cursor; a page entirely newer than what is loaded, with more
 * before it, leaves a possible gap (e.g. after a long disconnect), so it replaces what is loaded.
 */
export function mergePage(conv: ConversationState, pageNewestFirst: readonly ChatMessage[], nextCursor: string | null, me: string | null): ConversationState {
  const page = [...pageNewestFirst].sort(compareMessages);
  const base = { ...conv, loadingNewest: false, loadingOlder: false };
  const existing = conv.messages;
  const pageOldest = page[0];
  const pageNewest = page[page.length - 1];
  const oldest = existing[0];
  const newest = existing[existing.length - 1];
  if (!pageOldest || !pageNewest) {
    return { ...base, nextCursor: conv.nextCursor === undefined || existing.length === 0 ? nextCursor : conv.nextCursor };
  }
  if (!oldest || !newest) {
    return { ...base, messages: page, nextCursor };
  }
  const { messages, added } = mergeMessages(existing, page);
  const fresh = conv.nextCursor !== undefined || existing.length > 0;
  const unreadAdded = fresh
    ? added.filter((m) => compareMessages(m, newest) > 0 && isCountable(m, me)).length
    : 0;
  if (compareMessages(pageOldest, oldest) <= 0) {
    return { ...base, messages, nextCursor, unread: conv.unread + unreadAdded };
  }
  if (compareMessages(pageOldest, newest) > 0 && nextCursor !== null) {
    return { ...base, messages: page, nextCursor, unread: conv.unread + unreadAdded };
  }
  return {
    ...base,
    messages,
    nextCursor: conv.nextCursor === undefined ? nextCursor : conv.nextCursor,
    unread: conv.unread + unreadAdded,
  };
}

function clearLoading(conversations: Record<string, ConversationState>, markStale: boolean): Record<string, ConversationState> {
  const out: Record<string, ConversationState> = {};
  for (const [k, c] of Object.entries(conversations)) {
    out[k] = {
      ...c,
      loadingNewest: false,
      loadingOlder: false,
      stale: markStale ? c.stale || c.nextCursor !== undefined || c.messages.length > 0 : c.stale,
    };
  }
  return out;
}

export type Presence = 'online' | 'offline' | 'unknown';

/** What can be shown of a user's presence: `unknown` while we are not connected (or before the server said). */
export function presenceOf(user: UserPresence | undefined, presenceKnown: boolean): Presence {
  if (user?.online) return 'online';
  return presenceKnown ? 'offline' : 'unknown';
}

/** Everyone shown as not online (while we are disconnected); the last-seen times known are kept. */
function hidePresence(users: Record<string, UserPresence>): Record<string, UserPresence> {
  if (!Object.values(users).some((u) => u.online)) return users;
  const out: Record<string, UserPresence> = {};
  for (const [k, u] of Object.entries(users)) out[k] = u.online ? { ...u, online: false } : u;
  return out;
}

function reduceServer(state: AppState, event: ServerEvent): AppState {
  switch (event.type) {
    case 'clients': {
      const users: Record<string, UserPresence> = {};
      for (const u of event.users) users[userKey(u.username)] = u;
      let me = state.me;
      const meUser = me ? users[userKey(me)] : undefined;
      if (meUser) me = meUser.username;
      const conversations: Record<string, ConversationState> = {};
      for (const [id, c] of Object.entries(state.conversations)) {
        const k = userKey(c.with);
        const u = users[k];
        conversations[id] = u && u.username !== c.with ? { ...c, with: u.username } : c;
        if (!u) users[k] = state.users[k] ?? { username: c.with, online: false };
      }
      return { ...state, me, users, conversations, presenceKnown: true };
    }
    case 'presence': {
      // Presence is about being online; a picture it does not mention is kept (`profile` and
      // `clients` are the ones that say a picture is gone).
      const key = userKey(event.user.username);
      const known = state.users[key];
      const user = known?.avatarKey && event.user.avatarKey === undefined ? { ...event.user, avatarKey: known.avatarKey } : event.user;
      return { ...state, users: { ...state.users, [key]: user } };
    }
    case 'profile': {
      // A changed (or removed) profile picture; presence fields the event lacks are kept.
      const key = userKey(event.user.username);
      const known = state.users[key];
      const user: UserPresence = { ...event.user };
      if (user.lastSeen === undefined && known?.lastSeen !== undefined && !user.online) user.lastSeen = known.lastSeen;
      return { ...state, users: { ...state.users, [key]: user } };
    }
    case 'uploadUrl':
    case 'downloadUrls':
      return state;
    case 'message':
      return receiveMessage(state, event.message, true);
    case 'messageAck': {
      const next = receiveMessage(state, event.message, false);
      const cmid = event.message.clientMessageId;
      if (!cmid || !next.outbox[cmid]) return next;
      const outbox = { ...next.outbox };
      delete outbox[cmid];
      return { ...next, outbox };
    }
    case 'messages': {
      // Filed by conversationId; a direct conversation's page names its other user (`with`),
      // so a page of one this tab does not hold yet can still be shown.
      const conversation: Conversation | undefined =
        state.conversations[event.conversationId] ??
        (event.with !== undefined ? { kind: 'direct', id: event.conversationId, with: event.with } : undefined);
      if (!conversation) return state;
      let next = state;
      let conv: ConversationState;
      [next, conv] = withConversation(next, conversation);
      const merged = mergePage(conv, event.messages, event.nextCursor, next.me);
      const unread = conv.id === next.openConversationId ? 0 : merged.unread;
      next = putConversation(next, { ...merged, unread });
      const outbox = removeConfirmed(next.outbox, event.messages, next.me);
      return outbox === next.outbox ? next : { ...next, outbox };
    }
    case 'pong':
      return state;
    case 'error': {
      const notice = { code: event.code, message: event.message };
      const cmid = event.clientMessageId;
      const pending = cmid ? state.outbox[cmid] : undefined;
      if (cmid && pending) {
        if (RESEND_AFTER_RECONNECT.has(event.code)) return state;
        return {
          ...state,
          outbox: { ...state.outbox, [cmid]: { ...pending, status: 'failed', error: notice } },
        };
      }
      if (event.action === 'getMessages') {
        return { ...state, conversations: clearLoading(state.conversations, false), notice };
      }
      if (event.requestId !== undefined || (event.action !== undefined && REQUEST_ACTIONS.has(event.action))) return state;
      if (RESEND_AFTER_RECONNECT.has(event.code)) return state;
      return { ...state, notice };
    }
  }
}

export function reduce(state: AppState, action: Action): AppState {
  switch (action.type) {
    case 'server':
      return state.me === null ? state : reduceServer(state, action.event);
    case 'signIn':
      return { ...initialState, me: action.username, connection: 'connecting' };
    case 'signOut':
      return action.reason ? { ...initialState, signedOutReason: action.reason } : initialState;
    case 'connection': {
      if (state.me === null || state.connection === action.state) return state;
      const dropped = action.state === 'reconnecting' || action.state === 'offline';
      const wasUp = state.connection === 'online';
      return {
        ...state,
        connection: action.state,
        conversations: dropped ? clearLoading(state.conversations, wasUp) : state.conversations,
        // Off the server, nobody can be shown online; the resync's `clients` tells again.
        ...(action.state !== 'online' ? { users: hidePresence(state.users), presenceKnown: false } : {}),
      };
    }
    case 'openConversation': {
      if (action.conversation === null) return { ...state, openConversationId: null };
      let [next, conv] = withConversation(state, action.conversation);
      // Re-opening the conversation already on screen keeps its divider where it was.
      const unreadFrom = conv.id === state.openConversationId ? conv.unreadFrom : firstUnreadId(conv.messages, conv.unread, next.me);
      next = putConversation(next, { ...conv, unread: 0, unreadFrom });
      return { ...next, openConversationId: conv.id };
    }
    case 'requestPage': {
      const [next, conv] = withConversation(state, action.conversation);
      return putConversation(
        next,
        action.older ? { ...conv, loadingOlder: true } : { ...conv, loadingNewest: true, stale: false },
      );
    }
    case 'send': {
      const [next] = withConversation(state, action.conversation);
      return { ...next, outbox: { ...next.outbox, [action.message.clientMessageId]: action.message } };
    }
    case 'retry': {
      const m = state.outbox[action.clientMessageId];
      if (!m || m.status !== 'failed') return state;
      const { error: _error, ...rest } = m;
      return { ...state, outbox: { ...state.outbox, [m.clientMessageId]: { ...rest, status: 'pending' } } };
    }
    case 'discard': {
      if (!state.outbox[action.clientMessageId]) return state;
      const outbox = { ...state.outbox };
      delete outbox[action.clientMessageId];
      return { ...state, outbox };
    }
    case 'dismissNotice':
      return { ...state, notice: null };
  }
}

// Selectors

export interface PersonView {
  /** The user's key (lowercase username). */
  key: string;
  /** My direct conversation with them. */
  conversationId: string;
  user: UserPresence;
  /** `unknown` while we are not connected (or before the server said): shown neither online nor offline. */
  presence: Presence;
  unread: number;
  lastMessage: ChatMessage | undefined;
}

/** Everyone but me, sorted by name; filtered by a case-insensitive substring. */
export function selectPeople(state: AppState, filter = ''): PersonView[] {
  const me = state.me;
  if (me === null) return [];
  const meKey = userKey(me);
  const needle = filter.trim().toLowerCase();
  return Object.entries(state.users)
    .filter(([k]) => k !== meKey && (!needle || k.includes(needle)))
    .map(([key, user]) => {
      const conversationId = directConversationId(me, key);
      const conv = state.conversations[conversationId];
      return { key, conversationId, user, presence: presenceOf(user, state.presenceKnown), unread: conv?.unread ?? 0, lastMessage: conv?.messages[conv.messages.length - 1] } satisfies PersonView;
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Pending and failed messages of one conversation, oldest first. */
export function selectOutgoing(outbox: AppState['outbox'], conversationId: string): OutgoingMessage[] {
  return Object.values(outbox)
    .filter((m) => m.conversationId === conversationId)
    .sort((a, b) => a.createdAt - b.createdAt || (a.clientMessageId < b.clientMessageId ? -1 : 1));
}

/** Pending messages to (re)send, oldest first. */
export function selectPendingOutbox(state: AppState): OutgoingMessage[] {
  return Object.values(state.outbox)
    .filter((m) => m.status === 'pending')
    .sort((a, b) => a.createdAt - b.createdAt);
}

export function selectTotalUnread(state: AppState): number {
  return Object.values(state.conversations).reduce((n, c) => n + c.unread, 0);
}

export interface Store {
  getState(): AppState;
  dispatch(action: Action): void;
  subscribe(listener: () => void): () => void;
}

export function createStore(initial: AppState = initialState): Store {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reduce(state, action);
      if (next === state) return;
      state = next;
      for (const l of [...listeners]) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
