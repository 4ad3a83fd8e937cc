// The inbox: my conversations (direct and rooms) as `getConversations` lists them, kept live by
// events. Pure functions over one item or the set of items; the reducer (appState.ts) calls them.
// Unread counts are the server's (exact to 99, then "99+"), adjusted live: a message from someone
// else counts one more, my own (sending moves my read point) and a read point at the newest
// message clear it.
import { MAX_EXACT_UNREAD, sameUser, userKey } from '../protocol/chatRules';
import type { ChatMessage, ConversationView, LastMessageView, Role, RoomView } from '../protocol/frames';

export interface InboxItem {
  conversationId: string;
  kind: 'direct' | 'room';
  /** A room's name; a direct conversation's other user (display form as best known). */
  name: string;
  /** A room's member count. */
  memberCount?: number;
  /** My role in a room. */
  role?: Role;
  lastMessage?: LastMessageView;
  /** The newest message's time, else when I joined: what the inbox is sorted by. */
  lastActivityAt: number;
  /** Exact up to 99. */
  unread: number;
  /** More than 99 unread. */
  unreadMore: boolean;
  /** My read point. */
  readMessageId?: string;
  /** A direct conversation: the other user's read point ("Seen"). */
  otherReadMessageId?: string;
}

export interface InboxState {
  items: Record<string, InboxItem>;
  /** Cursor of the next page; null when every page is loaded; undefined before the first. */
  nextCursor: string | null | undefined;
  loading: boolean;
}

export const emptyInbox: InboxState = { items: {}, nextCursor: undefined, loading: false };

/** Most recent activity first, then by conversationId (the server's order). */
export function compareInbox(a: InboxItem, b: InboxItem): number {
  if (a.lastActivityAt !== b.lastActivityAt) return b.lastActivityAt - a.lastActivityAt;
  return a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0;
}

export function sortedInbox(items: Record<string, InboxItem>): InboxItem[] {
  return Object.values(items).sort(compareInbox);
}

/** Message ids are ULIDs: their string order is their time order. Null/undefined is before everything. */
export function laterId(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a >= b ? a : b;
}

export function itemFromView(view: ConversationView): InboxItem {
  const item: InboxItem = {
    conversationId: view.conversationId,
    kind: view.kind,
    name: view.kind === 'room' ? (view.name ?? '') : (view.with?.username ?? ''),
    lastActivityAt: view.lastActivityAt,
    unread: Math.min(view.unread, MAX_EXACT_UNREAD),
    unreadMore: view.unreadMore,
  };
  if (view.memberCount !== undefined) item.memberCount = view.memberCount;
  if (view.role !== undefined) item.role = view.role;
  if (view.lastMessage) item.lastMessage = view.lastMessage;
  if (view.readMessageId !== undefined) item.readMessageId = view.readMessageId;
  if (view.otherReadMessageId !== undefined) item.otherReadMessageId = view.otherReadMessageId;
  return item;
}

/**
 * A page from the server over what is held: its counts and last messages win, but read points
 * only move forward (a `readState` may have come after the server made the page).
 */
export function mergeItem(held: InboxItem | undefined, fresh: InboxItem): InboxItem {
  if (!held) return fresh;
  const merged: InboxItem = { ...fresh };
  const read = laterId(held.readMessageId, fresh.readMessageId);
  if (read !== undefined) merged.readMessageId = read;
  const other = laterId(held.otherReadMessageId, fresh.otherReadMessageId);
  if (other !== undefined) merged.otherReadMessageId = other;
  // A live message newer than the page's last message is kept.
  if (held.lastMessage && (!fresh.lastMessage || held.lastMessage.messageId > fresh.lastMessage.messageId)) {
    merged.lastMessage = held.lastMessage;
    merged.lastActivityAt = Math.max(fresh.lastActivityAt, held.lastActivityAt);
  }
  return merged;
}

/** The unread count plus `n`, capped at 99 with `unreadMore` beyond. */
export function addUnread(item: Pick<InboxItem, 'unread' | 'unreadMore'>, n: number): Pick<InboxItem, 'unread' | 'unreadMore'> {
  const total = item.unread + n;
  return total > MAX_EXACT_UNREAD ? { unread: MAX_EXACT_UNREAD, unreadMore: true } : { unread: total, unreadMore: item.unreadMore };
}

/** The count to add up for totals: 99+ counts as 100 (so a total shows "99+"). */
export function unreadWeight(item: Pick<InboxItem, 'unread' | 'unreadMore'>): number {
  return item.unreadMore ? MAX_EXACT_UNREAD + 1 : item.unread;
}

export const PREVIEW_CHARS = 100;

/** The inbox's view of a message: its text on one line, cut to 100 characters (as the server cuts it). */
export function lastMessageOf(message: ChatMessage): LastMessageView {
  const chars = [...message.text.replace(/\s+/g, ' ').trim()];
  const last: LastMessageView = {
    messageId: message.id,
    from: message.from,
    preview: chars.slice(0, PREVIEW_CHARS).join(''),
    sentAt: message.sentAt,
  };
  if (message.attachment) last.attachmentName = message.attachment.name;
  return last;
}

/**
 * A live message (event or ack) in an item: the newest message and activity move (never back);
 * someone else's counts as unread unless `onScreen`, and moves their read point (sending moves
 * the sender's); mine clears my unread and moves my read point.
 */
export function itemWithMessage(item: InboxItem, message: ChatMessage, me: string | null, onScreen: boolean, isNew: boolean): InboxItem {
  const next: InboxItem = { ...item };
  if (!item.lastMessage || message.id > item.lastMessage.messageId) {
    next.lastMessage = lastMessageOf(message);
    next.lastActivityAt = Math.max(item.lastActivityAt, message.sentAt);
  }
  if (sameUser(message.from, me)) {
    next.unread = 0;
    next.unreadMore = false;
    next.readMessageId = laterId(item.readMessageId, message.id);
    return next;
  }
  if (item.kind === 'direct') next.otherReadMessageId = laterId(item.otherReadMessageId, message.id);
  const alreadyRead = item.readMessageId !== undefined && message.id <= item.readMessageId;
  if (isNew && !onScreen && !alreadyRead) Object.assign(next, addUnread(item, 1));
  return next;
}

/**
 * A read point moved. Mine: the unread count is what is left after it — none when it reaches the
 * newest message, else the messages from others after it among `loaded` (when they reach it),
 * else unchanged. Another user's (direct): "Seen" moves.
 */
export function itemWithReadState(
  item: InboxItem,
  username: string,
  messageId: string,
  me: string | null,
  loaded: readonly ChatMessage[] | undefined,
): InboxItem {
  if (!sameUser(username, me)) {
    return item.kind === 'direct' ? { ...item, otherReadMessageId: laterId(item.otherReadMessageId, messageId) } : item;
  }
  const readMessageId = laterId(item.readMessageId, messageId)!;
  const next: InboxItem = { ...item, readMessageId };
  const newest = item.lastMessage?.messageId;
  if (newest === undefined || readMessageId >= newest) return { ...next, unread: 0, unreadMore: false };
  if (loaded && loaded.some((m) => m.id <= readMessageId)) {
    const left = loaded.filter((m) => m.id > readMessageId && !sameUser(m.from, me)).length;
    return { ...next, ...addUnread({ unread: 0, unreadMore: false }, left) };
  }
  return next;
}

/** A room created, renamed or whose membership changed: its name and size; a new item when not held. */
export function itemWithRoom(item: InboxItem | undefined, room: RoomView, role: Role | undefined, joinedAt: number): InboxItem {
  if (item) {
    const next: InboxItem = { ...item, name: room.name, memberCount: room.memberCount };
    if (role !== undefined) next.role = role;
    return next;
  }
  const created: InboxItem = {
    conversationId: room.conversationId,
    kind: 'room',
    name: room.name,
    memberCount: room.memberCount,
    lastActivityAt: joinedAt,
    unread: 0,
    unreadMore: false,
  };
  if (role !== undefined) created.role = role;
  return created;
}

/** A direct conversation's item made from a message (one not listed yet: a first message). */
export function directItem(conversationId: string, withName: string): InboxItem {
  return { conversationId, kind: 'direct', name: withName, lastActivityAt: 0, unread: 0, unreadMore: false };
}

/** The preview line of an item: "You: hi", "Bob: hi" in a room, "📎 notes.txt" for a file alone. */
export function previewLine(item: InboxItem, me: string | null): string {
  const last = item.lastMessage;
  if (!last) return item.kind === 'room' ? 'No messages yet' : '';
  const body = last.deleted ? 'Message deleted' : last.preview || (last.attachmentName ? `📎 ${last.attachmentName}` : '');
  if (sameUser(last.from, me)) return `You: ${body}`;
  return item.kind === 'room' ? `${last.from}: ${body}` : body;
}

/** The key of the user a direct item is with. */
export function partnerKey(item: InboxItem): string {
  return userKey(item.name);
}
