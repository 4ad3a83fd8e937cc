// The app state and its pure reducer: every server event and every local intent goes through
// `reduce`. No I/O, no timers, no React: unit-tested on its own.
import { sameUser, userKey } from '../protocol/chatRules';
import { errorText } from '../protocol/errorMessages';
import { conversationTitle, isRoomId, roomConversation, type Conversation } from '../protocol/conversations';
import type { Attachment, ChatMessage, ConversationsEvent, MembersEvent, MembershipEvent, ReplyQuote, RoomView, ServerEvent, UserPresence } from '../protocol/frames';
import {
  directItem,
  emptyInbox,
  itemFromView,
  itemWithMessage,
  itemWithReadState,
  itemWithRoom,
  mergeItem,
  sortedInbox,
  unreadWeight,
  type InboxItem,
  type InboxState,
} from './inboxItems';
import { expireTyping, messageDeleted, messageEdited, previewOf, reactionChanged, withoutTyper, withTyper, type TypingState } from './lifecycle';
import { emptyMembers, mergeMembersPage, membersWithChange, membersWithRead, type MembersState } from './members';

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
  /** The message it answers (its id is sent as `replyTo`), as it was quoted. */
  replyTo?: ReplyQuote;
  /** Local time it was composed, for ordering and display. */
  createdAt: number;
  status: 'pending' | 'failed';
  error?: { code: string; message: string };
}

/**
 * What this tab holds of one conversation's history (a direct one's `with` is the other user's
 * display name, a room's `name` its name, as best known). Its unread count is in the inbox.
 */
export type ConversationState = Conversation & ConversationHistory;

/**
 * Where the unread part began when the conversation was opened: after my read point then, or
 * (read point unknown) the last `count` messages from others — `from`, found among those loaded
 * then, else among those loaded since.
 */
export interface UnreadMark {
  after: string | null;
  count: number;
  from?: string;
}

export interface ConversationHistory {
  /** Confirmed messages, merged by id, sorted by sentAt then id (oldest first). */
  messages: ChatMessage[];
  /** Cursor of the next older page; null when the first message is loaded; undefined before any page. */
  nextCursor: string | null | undefined;
  loadingNewest: boolean;
  loadingOlder: boolean;
  /** The connection dropped since the newest page was loaded: reload it before trusting it. */
  stale: boolean;
  /**
   * The unread part when the conversation was last opened (the "New messages" divider goes above
   * its first message, see selectUnreadFrom); null when it was opened with nothing unread.
   */
  unreadMark: UnreadMark | null;
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
   * Presence is the server's word on the current connection (the resync's first inbox page came
   * since it opened). False while disconnected and until then: we cannot know who is online.
   */
  presenceKnown: boolean;
  /**
   * The users whose presence the server told on this connection (inbox, members, watched,
   * presence): only they can be shown offline; the others' is unknown (presence reaches only
   * direct partners and watched users).
   */
  presenceSeen: Record<string, true>;
  /** My conversations, direct and rooms, as the server lists them (the left column). */
  inbox: InboxState;
  /** Rooms' members as loaded (for the members panel and "Read by N"), by conversationId. */
  members: Record<string, MembersState>;
  /** Histories keyed by conversationId. */
  conversations: Record<string, ConversationState>;
  /** Pending and failed optimistic messages, keyed by clientMessageId. */
  outbox: Record<string, OutgoingMessage>;
  /** conversationId of the conversation on screen. */
  openConversationId: string | null;
  /** Last error not tied to one message, for a dismissible banner. */
  notice: { code: string; message: string } | null;
  /** Who is typing where (never me), by conversationId: see lifecycle.ts. */
  typing: TypingState;
}

export type Action =
  /** `at`: when it arrived (the activity time of a room I am added to). */
  | { type: 'server'; event: ServerEvent; at?: number }
  /** An answer to getConversations: the first page replaces the inbox (after a reconnect), a later one adds to it. */
  | { type: 'inboxRequested' }
  | { type: 'inboxPage'; page: ConversationsEvent; first: boolean }
  | { type: 'inboxFailed' }
  | { type: 'membersRequested'; conversationId: string }
  | { type: 'membersPage'; page: MembersEvent; first: boolean }
  | { type: 'membersFailed'; conversationId: string }
  | { type: 'signIn'; username: string }
  | { type: 'signOut'; reason?: string }
  | { type: 'connection'; state: Exclude<ConnectionState, 'signedOut'> }
  | { type: 'openConversation'; conversation: Conversation | null }
  | { type: 'requestPage'; conversation: Conversation; older: boolean }
  | { type: 'send'; conversation: Conversation; message: OutgoingMessage }
  | { type: 'retry'; clientMessageId: string }
  | { type: 'discard'; clientMessageId: string }
  /** Typing shown until before `at` is over (a timer of the session). */
  | { type: 'typingExpired'; at: number }
  | { type: 'notice'; code: string; message: string }
  | { type: 'dismissNotice' };

export const initialState: AppState = {
  me: null,
  connection: 'signedOut',
  signedOutReason: null,
  users: {},
  presenceKnown: false,
  presenceSeen: {},
  inbox: emptyInbox,
  members: {},
  conversations: {},
  outbox: {},
  openConversationId: null,
  notice: null,
  typing: {},
};

/** Error codes after which the message stays pending: the session reconnects and sends it again. */
const RESEND_AFTER_RECONNECT = new Set(['unknown_connection']);

/** Refusals of #14 whose server message is replaced by one for people (see errorMessages.ts). */
const EXPLAINED_CODES = new Set([
  'not_a_member',
  'forbidden_role',
  'room_full',
  'owner_must_transfer',
  'invalid_message_id',
  'invalid_room_name',
  'too_many_members',
  'invalid_role',
  'invalid_prefix',
  'message_deleted',
  'not_author',
  'invalid_emoji',
  'too_many_reactions',
]);

/** Requests answered through a promise (RequestTracker): their errors are shown where they were made. */
const REQUEST_ACTIONS = new Set([
  'getUploadUrl',
  'getDownloadUrl',
  'setAvatar',
  'createRoom',
  'renameRoom',
  'addMembers',
  'removeMember',
  'setRole',
  'getMembers',
  'getConversations',
  'markRead',
  'searchPeople',
  'watchPresence',
  'editMessage',
  'deleteMessage',
  'react',
  'typing',
]);

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
    nextCursor: undefined,
    loadingNewest: false,
    loadingOlder: false,
    stale: false,
    unreadMark: null,
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

/** The other user of a direct message, seen from `me` (a room message has no `to`: its sender). */
export function otherParty(message: ChatMessage, me: string | null): string {
  return sameUser(message.from, me) ? (message.to ?? message.from) : message.from;
}

/** The conversation a message belongs to: a room by its id, else direct with whoever of from/to is not me. */
function conversationOf(state: AppState, message: ChatMessage): Conversation {
  if (isRoomId(message.conversationId) || message.to === undefined) {
    return roomConversation(message.conversationId, state.inbox.items[message.conversationId]?.name ?? '');
  }
  return { kind: 'direct', id: message.conversationId, with: otherParty(message, state.me) };
}

/** The first message from someone else after the unread mark (where the "New messages" divider goes), or null. */
export function selectUnreadFrom(conv: ConversationState, me: string | null): string | null {
  const mark = conv.unreadMark;
  if (!mark) return null;
  if (mark.after === null) return mark.from ?? firstUnreadId(conv.messages, mark.count, me);
  const after = mark.after;
  return conv.messages.find((m) => m.id > after && isCountable(m, me))?.id ?? null;
}

/** The state of `conversation`, added (empty, with the other user's display name if known) when new. */
function withConversation(state: AppState, conversation: Conversation): [AppState, ConversationState] {
  const existing = state.conversations[conversation.id];
  if (existing) {
    // A room's name learnt since (inbox, room event).
    if (existing.kind === 'room' && conversation.kind === 'room' && conversation.name && existing.name !== conversation.name) {
      const renamed = { ...existing, name: conversation.name };
      return [putConversation(state, renamed), renamed];
    }
    return [state, existing];
  }
  const conv =
    conversation.kind === 'direct'
      ? emptyConversation({ ...conversation, with: state.users[userKey(conversation.with)]?.username ?? conversation.with })
      : emptyConversation({ ...conversation, name: conversation.name || (state.inbox.items[conversation.id]?.name ?? '') });
  return [putConversation(state, conv), conv];
}

function putItem(state: AppState, item: InboxItem): AppState {
  return { ...state, inbox: { ...state.inbox, items: { ...state.inbox.items, [item.conversationId]: item } } };
}

/** The users a page or event tells the presence of: stored, and marked as told on this connection. */
function withPresences(state: AppState, users: readonly UserPresence[]): AppState {
  if (users.length === 0) return state;
  const all = { ...state.users };
  const seen = { ...state.presenceSeen };
  for (const u of users) {
    const key = userKey(u.username);
    const known = all[key];
    // A picture the event does not mention is kept (`profile` is the one that says it is gone).
    all[key] = known?.avatarKey && u.avatarKey === undefined ? { ...u, avatarKey: known.avatarKey } : u;
    seen[key] = true;
  }
  return { ...state, users: all, presenceSeen: seen };
}

/** A room I left or was removed from: gone from the inbox, its history and members forgotten, its view closed. */
function forgetRoom(state: AppState, conversationId: string, notice: AppState['notice']): AppState {
  const items = { ...state.inbox.items };
  delete items[conversationId];
  const members = { ...state.members };
  delete members[conversationId];
  const conversations = { ...state.conversations };
  delete conversations[conversationId];
  const outbox = Object.fromEntries(Object.entries(state.outbox).filter(([, m]) => m.conversationId !== conversationId));
  const wasOpen = state.openConversationId === conversationId;
  return {
    ...state,
    inbox: { ...state.inbox, items },
    members,
    conversations,
    outbox,
    openConversationId: wasOpen ? null : state.openConversationId,
    notice: wasOpen && notice ? notice : state.notice,
  };
}

function roomLabel(room: RoomView): string {
  return room.name ? `“${room.name}”` : 'the room';
}

function applyMembership(state: AppState, event: MembershipEvent, at: number): AppState {
  const cid = event.conversationId;
  const me = state.me;
  const aboutMe = event.users.some((u) => sameUser(u, me));
  if (aboutMe && (event.change === 'removed' || event.change === 'left')) {
    const notice =
      event.change === 'left' || sameUser(event.by, me)
        ? { code: 'left_room', message: `You left ${roomLabel(event.room)}.` }
        : { code: 'removed_from_room', message: `You were removed from ${roomLabel(event.room)} by ${event.by}.` };
    return forgetRoom(state, cid, notice);
  }
  let role: InboxItem['role'];
  if (event.change === 'role' && event.role) {
    if (aboutMe) role = event.role;
    else if (event.role === 'owner' && sameUser(event.by, me)) role = 'admin';
  }
  const held = state.inbox.items[cid];
  // Added to a room: it joins the inbox as a member, active from now.
  if (!held && !(event.change === 'added' && aboutMe)) {
    return state.members[cid] ? { ...state, members: { ...state.members, [cid]: membersWithChange(state.members[cid], event) } } : state;
  }
  let next = putItem(state, itemWithRoom(held, event.room, role ?? (held ? undefined : 'member'), at));
  const conv = next.conversations[cid];
  if (conv && conv.kind === 'room' && conv.name !== event.room.name) next = putConversation(next, { ...conv, name: event.room.name });
  const members = next.members[cid];
  if (members) next = { ...next, members: { ...next.members, [cid]: membersWithChange(members, event) } };
  return next;
}

function applyRoom(state: AppState, room: RoomView, at: number): AppState {
  const held = state.inbox.items[room.conversationId];
  // A room not held (a rename reaching a tab that has not listed it, or my createRoom answer): mine if I made it.
  const role = held ? undefined : sameUser(room.createdBy, state.me) ? 'owner' : 'member';
  let next = putItem(state, itemWithRoom(held, room, role, held ? at : room.createdAt));
  const conv = next.conversations[room.conversationId];
  if (conv && conv.kind === 'room' && conv.name !== room.name) next = putConversation(next, { ...conv, name: room.name });
  return next;
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

/**
 * One live message (event or ack): merged into its conversation; its inbox item moves (last
 * message, activity, unread count unless on screen, read points); in a room, the sender's read
 * point moves (sending moves it).
 */
function receiveMessage(state: AppState, message: ChatMessage): AppState {
  const conversation = conversationOf(state, message);
  let next = conversation.kind === 'direct' ? ensureUser(state, conversation.with, !sameUser(message.from, state.me)) : ensureUser(state, message.from, false);
  let conv: ConversationState;
  [next, conv] = withConversation(next, conversation);
  const { messages, added } = mergeMessages(conv.messages, [message]);
  next = putConversation(next, { ...conv, messages });
  const held = next.inbox.items[conv.id] ?? (conversation.kind === 'direct' ? directItem(conv.id, conversation.with) : undefined);
  if (held) {
    next = putItem(next, itemWithMessage(held, message, next.me, conv.id === next.openConversationId, added.length > 0));
  }
  const members = next.members[conv.id];
  if (members) next = { ...next, members: { ...next.members, [conv.id]: membersWithRead(members, message.from, message.id) } };
  const outbox = removeConfirmed(next.outbox, [message], next.me);
  if (outbox !== next.outbox) next = { ...next, outbox };
  // Their message is here: they are not typing it any more.
  const typing = withoutTyper(next.typing, conv.id, message.from);
  return typing === next.typing ? next : { ...next, typing };
}

/**
 * Merges a history page. The cursor follows the oldest boundary: a page reaching further back
 * than what is loaded brings its cursor; a page entirely newer than what is loaded, with more
 * before it, leaves a possible gap (e.g. after a long disconnect), so it replaces what is loaded.
 */
export function mergePage(conv: ConversationState, pageNewestFirst: readonly ChatMessage[], nextCursor: string | null): ConversationState {
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
  const { messages } = mergeMessages(existing, page);
  if (compareMessages(pageOldest, oldest) <= 0) {
    return { ...base, messages, nextCursor };
  }
  if (compareMessages(pageOldest, newest) > 0 && nextCursor !== null) {
    return { ...base, messages: page, nextCursor };
  }
  return {
    ...base,
    messages,
    nextCursor: conv.nextCursor === undefined ? nextCursor : conv.nextCursor,
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

/**
 * A user's presence as this tab can tell it: online or offline only when the server told it on
 * this connection (presence reaches only direct partners and the users watched); else unknown.
 */
export function selectPresence(state: AppState, name: string): Presence {
  const key = userKey(name);
  return presenceOf(state.users[key], state.presenceKnown && state.presenceSeen[key] === true);
}

/** Everyone shown as not online (while we are disconnected); the last-seen times known are kept. */
function hidePresence(users: Record<string, UserPresence>): Record<string, UserPresence> {
  if (!Object.values(users).some((u) => u.online)) return users;
  const out: Record<string, UserPresence> = {};
  for (const [k, u] of Object.entries(users)) out[k] = u.online ? { ...u, online: false } : u;
  return out;
}

function reduceServer(state: AppState, event: ServerEvent, at: number): AppState {
  switch (event.type) {
    case 'presence':
      // Presence is about being online; a picture it does not mention is kept.
      return withPresences(state, [event.user]);
    case 'profile': {
      // A changed (or removed) profile picture; presence fields the event lacks are kept.
      const key = userKey(event.user.username);
      const known = state.users[key];
      const user: UserPresence = { ...event.user };
      if (user.lastSeen === undefined && known?.lastSeen !== undefined && !user.online) user.lastSeen = known.lastSeen;
      return { ...state, users: { ...state.users, [key]: user } };
    }
    case 'watched':
      return withPresences(state, event.users);
    case 'messageEdited':
    case 'messageDeleted':
    case 'reaction': {
      const conversations = { ...state.conversations };
      const conv = state.conversations[event.conversationId];
      const apply =
        event.type === 'messageEdited' ? messageEdited(event) : event.type === 'messageDeleted' ? messageDeleted(event) : reactionChanged(event, state.me);
      let changed = false;
      // The message changes, and the quotes of it in its conversation follow (a reply is in its original's conversation).
      if (conv) {
        const messages = apply(conv.messages);
        if (messages !== conv.messages) {
          conversations[conv.id] = { ...conv, messages };
          changed = true;
        }
      }
      let next = changed ? { ...state, conversations } : state;
      const item = next.inbox.items[event.conversationId];
      const last = item?.lastMessage;
      if (item && last && last.messageId === event.messageId && event.type !== 'reaction') {
        if (event.type === 'messageEdited') next = putItem(next, { ...item, lastMessage: { ...last, preview: previewOf(event.text) } });
        else {
          const { attachmentName: _gone, ...rest } = last;
          next = putItem(next, { ...item, lastMessage: { ...rest, preview: '', deleted: true } });
        }
      }
      return next;
    }
    case 'typing': {
      if (sameUser(event.from, state.me)) return state;
      return { ...state, typing: withTyper(state.typing, event.conversationId, event.from, at) };
    }
    case 'uploadUrl':
    case 'downloadUrls':
    case 'pong':
    case 'people':
    // Answers to requests: the session applies them (inboxPage, membersPage), knowing which page they are.
    case 'conversations':
    case 'members':
      return state;
    case 'room':
      return applyRoom(state, event.room, at);
    case 'membership':
      return applyMembership(state, event, at);
    case 'readState': {
      const item = state.inbox.items[event.conversationId];
      let next = state;
      if (item) {
        const loaded = state.conversations[event.conversationId]?.messages;
        next = putItem(next, itemWithReadState(item, event.username, event.messageId, state.me, loaded));
      }
      const members = next.members[event.conversationId];
      if (members) next = { ...next, members: { ...next.members, [event.conversationId]: membersWithRead(members, event.username, event.messageId) } };
      return next;
    }
    case 'message':
    case 'messageAck': {
      const next = receiveMessage(state, event.message);
      const cmid = event.message.clientMessageId;
      if (event.type === 'message' || !cmid || !next.outbox[cmid]) return next;
      const outbox = { ...next.outbox };
      delete outbox[cmid];
      return { ...next, outbox };
    }
    case 'messages': {
      // Filed by conversationId; a direct conversation's page names its other user (`with`),
      // a room is known by its id, so a page of one this tab does not hold yet can still be shown.
      const conversation: Conversation | undefined =
        state.conversations[event.conversationId] ??
        (event.with !== undefined
          ? { kind: 'direct', id: event.conversationId, with: event.with }
          : isRoomId(event.conversationId)
            ? roomConversation(event.conversationId)
            : undefined);
      if (!conversation) return state;
      let next = state;
      let conv: ConversationState;
      [next, conv] = withConversation(next, conversation);
      next = putConversation(next, mergePage(conv, event.messages, event.nextCursor));
      const outbox = removeConfirmed(next.outbox, event.messages, next.me);
      return outbox === next.outbox ? next : { ...next, outbox };
    }
    case 'error': {
      const notice = { code: event.code, message: EXPLAINED_CODES.has(event.code) ? errorText(event.code, event.message) : event.message };
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

/** An inbox page: the first replaces the items (keeping the open conversation's), a later one adds to them. */
function applyInboxPage(state: AppState, page: ConversationsEvent, first: boolean): AppState {
  const held = state.inbox.items;
  const items: Record<string, InboxItem> = {};
  if (first) {
    const open = state.openConversationId;
    if (open && held[open]) items[open] = held[open];
  } else {
    Object.assign(items, held);
  }
  for (const view of page.conversations) {
    let item = mergeItem(held[view.conversationId], itemFromView(view));
    // The conversation on screen is being read: no badge for it in this tab.
    if (view.conversationId === state.openConversationId) item = { ...item, unread: 0, unreadMore: false };
    items[view.conversationId] = item;
  }
  let next: AppState = { ...state, inbox: { items, nextCursor: page.nextCursor, loading: false } };
  next = withPresences(next, page.conversations.flatMap((v) => (v.with ? [v.with] : [])));
  // Histories held learn their room's name, and direct ones their user's display form.
  for (const view of page.conversations) {
    const conv = next.conversations[view.conversationId];
    if (conv?.kind === 'room' && view.name !== undefined && conv.name !== view.name) next = putConversation(next, { ...conv, name: view.name });
    if (conv?.kind === 'direct' && view.with && conv.with !== view.with.username) next = putConversation(next, { ...conv, with: view.with.username });
  }
  return first ? { ...next, presenceKnown: true } : next;
}

function applyMembersPage(state: AppState, page: MembersEvent, first: boolean): AppState {
  const held = state.members[page.conversationId];
  const next: AppState = {
    ...state,
    members: { ...state.members, [page.conversationId]: mergeMembersPage(held, page.members, page.nextCursor, first) },
  };
  return withPresences(
    next,
    page.members.map((m) => {
      const user: UserPresence = { username: m.username, online: m.online };
      if (m.lastSeen !== undefined) user.lastSeen = m.lastSeen;
      if (m.avatarKey !== undefined) user.avatarKey = m.avatarKey;
      return user;
    }),
  );
}

export function reduce(state: AppState, action: Action): AppState {
  if (state.me === null && action.type !== 'signIn' && action.type !== 'signOut') return state;
  switch (action.type) {
    case 'server':
      return reduceServer(state, action.event, action.at ?? 0);
    case 'inboxRequested':
      return { ...state, inbox: { ...state.inbox, loading: true } };
    case 'inboxPage':
      return applyInboxPage(state, action.page, action.first);
    case 'inboxFailed':
      return { ...state, inbox: { ...state.inbox, loading: false } };
    case 'membersRequested': {
      const held = state.members[action.conversationId] ?? emptyMembers;
      return { ...state, members: { ...state.members, [action.conversationId]: { ...held, loading: true } } };
    }
    case 'membersPage':
      return applyMembersPage(state, action.page, action.first);
    case 'membersFailed': {
      const held = state.members[action.conversationId];
      return held ? { ...state, members: { ...state.members, [action.conversationId]: { ...held, loading: false } } } : state;
    }
    case 'signIn':
      return { ...initialState, me: action.username, connection: 'connecting' };
    case 'signOut':
      return action.reason ? { ...initialState, signedOutReason: action.reason } : initialState;
    case 'connection': {
      if (state.connection === action.state) return state;
      const dropped = action.state === 'reconnecting' || action.state === 'offline';
      const wasUp = state.connection === 'online';
      return {
        ...state,
        connection: action.state,
        conversations: dropped ? clearLoading(state.conversations, wasUp) : state.conversations,
        inbox: dropped ? { ...state.inbox, loading: false } : state.inbox,
        // Off the server, nobody can be shown online; the resync tells again.
        ...(action.state !== 'online' ? { users: hidePresence(state.users), presenceKnown: false, presenceSeen: {} } : {}),
      };
    }
    case 'openConversation': {
      if (action.conversation === null) return { ...state, openConversationId: null };
      let [next, conv] = withConversation(state, action.conversation);
      const item = next.inbox.items[conv.id];
      // Re-opening the conversation already on screen keeps its divider where it was.
      let unreadMark = conv.id === state.openConversationId ? conv.unreadMark : null;
      if (conv.id !== state.openConversationId && item && unreadWeight(item) > 0) {
        unreadMark = { after: item.readMessageId ?? null, count: unreadWeight(item) };
        const from = unreadMark.after === null ? firstUnreadId(conv.messages, unreadMark.count, next.me) : null;
        if (from !== null) unreadMark.from = from;
      }
      next = putConversation(next, { ...conv, unreadMark });
      if (item && unreadWeight(item) > 0) next = putItem(next, { ...item, unread: 0, unreadMore: false });
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
    case 'typingExpired': {
      const typing = expireTyping(state.typing, action.at);
      return typing === state.typing ? state : { ...state, typing };
    }
    case 'notice':
      return { ...state, notice: { code: action.code, message: action.message } };
    case 'dismissNotice':
      return { ...state, notice: null };
  }
}

// Selectors

export interface InboxEntry {
  item: InboxItem;
  /** What the item is called: the other user or the room's name. */
  title: string;
  /** A direct conversation's other user, as known (presence, picture). */
  user?: UserPresence;
  /** A direct conversation's other user's presence. */
  presence?: Presence;
  current: boolean;
}

/** My conversations, most recent activity first. */
export function selectInbox(state: AppState): InboxEntry[] {
  return sortedInbox(state.inbox.items).map((item) => {
    const current = item.conversationId === state.openConversationId;
    if (item.kind === 'room') return { item, title: item.name || 'Room', current };
    const key = userKey(item.name);
    const user = state.users[key] ?? { username: item.name, online: false };
    return { item, title: user.username, user, presence: selectPresence(state, item.name), current };
  });
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

/** Unread messages of every conversation (a "99+" one counts 100, so the total shows "99+"). */
export function selectTotalUnread(state: AppState): number {
  return Object.values(state.inbox.items).reduce((n, item) => n + unreadWeight(item), 0);
}

/** The unread count of one conversation (99+ as 100). */
export function selectUnread(state: AppState, conversationId: string): number {
  const item = state.inbox.items[conversationId];
  return item ? unreadWeight(item) : 0;
}

/** The title of a conversation held: the other user (display form as known) or the room's name. */
export function selectTitle(state: AppState, conv: Conversation): string {
  if (conv.kind === 'direct') return state.users[userKey(conv.with)]?.username ?? conv.with;
  return state.inbox.items[conv.id]?.name || conversationTitle(conv);
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
