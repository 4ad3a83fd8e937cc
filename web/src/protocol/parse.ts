// Decodes server frames into typed events. Anything malformed is refused (null), never half-trusted.
import type {
  Attachment,
  ChatMessage,
  ConversationView,
  LastMessageView,
  MediaPurpose,
  MemberView,
  MembershipChange,
  ReactionView,
  ReplyQuote,
  Role,
  RoomView,
  ServerEvent,
  UserPresence,
} from './frames';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isHttpUrl = (v: unknown): v is string => typeof v === 'string' && /^https?:\/\/[^\s]+$/i.test(v);

export function parseAttachment(v: unknown): Attachment | null {
  if (!isObject(v)) return null;
  const { key, name, contentType, size } = v;
  if (!isNonEmptyString(key) || !isString(name) || !isString(contentType)) return null;
  if (!isNumber(size) || size < 0) return null;
  return { key, name, contentType, size };
}

export function parseMessage(v: unknown): ChatMessage | null {
  if (!isObject(v)) return null;
  const { id, conversationId, from, to, text, sentAt, clientMessageId, attachment, editedAt, deletedAt, deletedBy } = v;
  if (!isString(id) || !isString(conversationId) || !isString(from)) return null;
  // A room message has no `to`.
  if (to !== undefined && to !== null && !isString(to)) return null;
  if (!isNumber(sentAt)) return null;
  const deleted = isNumber(deletedAt);
  // Text may be empty (or absent) only beside an attachment (or when deleted); a malformed attachment refuses the message.
  const file = deleted || attachment === undefined || attachment === null ? undefined : parseAttachment(attachment);
  if (file === null) return null;
  if (!isString(text) && !((file || deleted) && (text === undefined || text === null))) return null;
  const message: ChatMessage = {
    id,
    conversationId,
    from,
    text: isString(text) ? text : '',
    sentAt,
    clientMessageId: isString(clientMessageId) ? clientMessageId : '',
  };
  if (isString(to)) message.to = to;
  if (file) message.attachment = file;
  if (isNumber(editedAt)) message.editedAt = editedAt;
  if (deleted) {
    // A tombstone: nothing of what it said is kept.
    message.text = '';
    message.deletedAt = deletedAt;
    if (isString(deletedBy)) message.deletedBy = deletedBy;
    return message;
  }
  if (v.replyTo !== undefined && v.replyTo !== null) {
    const quote = parseReplyQuote(v.replyTo);
    if (!quote) return null;
    message.replyTo = quote;
  }
  if (v.reactions !== undefined && v.reactions !== null) {
    const reactions = parseList(v.reactions, parseReaction);
    if (!reactions) return null;
    if (reactions.length > 0) message.reactions = reactions;
  }
  return message;
}

function parseReplyQuote(v: unknown): ReplyQuote | null {
  if (!isObject(v) || !isNonEmptyString(v.messageId)) return null;
  if (!optionalString(v.from) || !optionalString(v.text) || !optionalString(v.attachmentName)) return null;
  const deleted = v.deleted === true;
  const quote: ReplyQuote = { messageId: v.messageId, text: deleted || !isString(v.text) ? '' : v.text };
  if (isNonEmptyString(v.from)) quote.from = v.from;
  if (!deleted && isNonEmptyString(v.attachmentName)) quote.attachmentName = v.attachmentName;
  if (deleted) quote.deleted = true;
  return quote;
}

function parseReaction(v: unknown): ReactionView | null {
  if (!isObject(v) || !isNonEmptyString(v.emoji) || !isCount(v.count)) return null;
  return { emoji: v.emoji, count: v.count, reacted: v.reacted === true };
}

export function parseUser(v: unknown): UserPresence | null {
  if (!isObject(v)) return null;
  const { username, online, lastSeen, avatarKey } = v;
  if (!isString(username) || typeof online !== 'boolean') return null;
  if (avatarKey !== undefined && avatarKey !== null && !isString(avatarKey)) return null;
  const user: UserPresence = { username, online };
  if (isNumber(lastSeen)) user.lastSeen = lastSeen;
  if (isNonEmptyString(avatarKey)) user.avatarKey = avatarKey;
  return user;
}

const isRole = (v: unknown): v is Role => v === 'owner' || v === 'admin' || v === 'member';
const isChange = (v: unknown): v is MembershipChange => v === 'added' || v === 'removed' || v === 'left' || v === 'role';
const isCount = (v: unknown): v is number => isNumber(v) && Number.isInteger(v) && v >= 0;
/** An optional string field: absent (or null) is fine, another type is not. */
const optionalString = (v: unknown): boolean => v === undefined || v === null || isString(v);

export function parseRoom(v: unknown): RoomView | null {
  if (!isObject(v)) return null;
  const { conversationId, name, memberCount, createdBy, createdAt } = v;
  if (!isNonEmptyString(conversationId) || !isString(name) || !isCount(memberCount)) return null;
  if (!isString(createdBy) || !isNumber(createdAt)) return null;
  return { conversationId, name, memberCount, createdBy, createdAt };
}

export function parseMember(v: unknown): MemberView | null {
  if (!isObject(v)) return null;
  const user = parseUser(v);
  if (!user || !isRole(v.role) || !optionalString(v.readMessageId)) return null;
  const member: MemberView = { username: user.username, role: v.role, online: user.online };
  if (isNonEmptyString(v.readMessageId)) member.readMessageId = v.readMessageId;
  if (user.lastSeen !== undefined) member.lastSeen = user.lastSeen;
  if (user.avatarKey !== undefined) member.avatarKey = user.avatarKey;
  return member;
}

function parseLastMessage(v: unknown): LastMessageView | null {
  if (!isObject(v)) return null;
  const { messageId, from, preview, attachmentName, sentAt } = v;
  if (!isNonEmptyString(messageId) || !isString(from) || !isNumber(sentAt)) return null;
  if (!optionalString(preview) || !optionalString(attachmentName)) return null;
  if (v.deleted === true) return { messageId, from, preview: '', sentAt, deleted: true };
  const last: LastMessageView = { messageId, from, preview: isString(preview) ? preview : '', sentAt };
  if (isNonEmptyString(attachmentName)) last.attachmentName = attachmentName;
  return last;
}

export function parseConversationView(v: unknown): ConversationView | null {
  if (!isObject(v)) return null;
  const { conversationId, kind, name, memberCount, role, lastActivityAt, unread, readMessageId, otherReadMessageId } = v;
  if (!isNonEmptyString(conversationId) || (kind !== 'direct' && kind !== 'room')) return null;
  if (!isNumber(lastActivityAt) || !isCount(unread)) return null;
  if (!optionalString(name) || !optionalString(readMessageId) || !optionalString(otherReadMessageId)) return null;
  if (memberCount !== undefined && memberCount !== null && !isCount(memberCount)) return null;
  if (role !== undefined && role !== null && !isRole(role)) return null;
  const item: ConversationView = { conversationId, kind, lastActivityAt, unread, unreadMore: v.unreadMore === true };
  if (kind === 'room') {
    if (!isString(name)) return null;
    item.name = name;
    if (isCount(memberCount)) item.memberCount = memberCount;
    if (isRole(role)) item.role = role;
  } else {
    const other = parseUser(v.with);
    if (!other) return null;
    item.with = other;
  }
  if (v.lastMessage !== undefined && v.lastMessage !== null) {
    const last = parseLastMessage(v.lastMessage);
    if (!last) return null;
    item.lastMessage = last;
  }
  if (isNonEmptyString(readMessageId)) item.readMessageId = readMessageId;
  if (isNonEmptyString(otherReadMessageId)) item.otherReadMessageId = otherReadMessageId;
  return item;
}

function parsePerson(v: unknown): { username: string; avatarKey?: string } | null {
  if (!isObject(v) || !isNonEmptyString(v.username) || !optionalString(v.avatarKey)) return null;
  return isNonEmptyString(v.avatarKey) ? { username: v.username, avatarKey: v.avatarKey } : { username: v.username };
}

const cursorOf = (v: unknown): string | null => (isNonEmptyString(v) ? v : null);

function withRequestId<E extends Extract<ServerEvent, { requestId?: string }>>(event: E, data: Json): E {
  if (isString(data.requestId)) event.requestId = data.requestId;
  return event;
}

function parseHeaders(v: unknown): Record<string, string> | null {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) return null;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(v)) {
    if (!isString(value)) return null;
    out[name] = value;
  }
  return out;
}

const isPurpose = (v: unknown): v is MediaPurpose => v === 'avatar' || v === 'attachment';

function parseList<T>(v: unknown, item: (x: unknown) => T | null): T[] | null {
  if (!Array.isArray(v)) return null;
  const out: T[] = [];
  for (const x of v) {
    const parsed = item(x);
    if (parsed === null) return null;
    out.push(parsed);
  }
  return out;
}

/** Parses one server frame; null when it is not a well-formed event of a known type. */
export function parseServerEvent(raw: string): ServerEvent | null {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isObject(data) || !isString(data.type)) return null;
  switch (data.type) {
    case 'message': {
      const message = parseMessage(data.message);
      return message && { type: 'message', message };
    }
    case 'messageAck': {
      const message = parseMessage(data.message);
      return message && { type: 'messageAck', duplicate: data.duplicate === true, message };
    }
    case 'messages': {
      const messages = parseList(data.messages, parseMessage);
      if (!messages || !isNonEmptyString(data.conversationId)) return null;
      if (data.with !== undefined && data.with !== null && !isString(data.with)) return null;
      const nextCursor = isString(data.nextCursor) ? data.nextCursor : null;
      const event: ServerEvent = { type: 'messages', conversationId: data.conversationId, messages, nextCursor };
      if (isString(data.with)) event.with = data.with;
      return event;
    }
    case 'room': {
      const room = parseRoom(data.room);
      return room && withRequestId({ type: 'room', room }, data);
    }
    case 'membership': {
      const room = parseRoom(data.room);
      const users = parseList(data.users, (u) => (isNonEmptyString(u) ? u : null));
      if (!room || !users || !isChange(data.change) || !isString(data.by)) return null;
      if (!isNonEmptyString(data.conversationId) || data.conversationId !== room.conversationId) return null;
      if (data.change === 'role' && !isRole(data.role)) return null;
      const event: ServerEvent = { type: 'membership', conversationId: data.conversationId, room, change: data.change, users, by: data.by };
      if (data.change === 'role' && isRole(data.role)) event.role = data.role;
      return withRequestId(event, data);
    }
    case 'members': {
      const members = parseList(data.members, parseMember);
      if (!members || !isNonEmptyString(data.conversationId)) return null;
      return withRequestId({ type: 'members', conversationId: data.conversationId, members, nextCursor: cursorOf(data.nextCursor) }, data);
    }
    case 'conversations': {
      const conversations = parseList(data.conversations, parseConversationView);
      if (!conversations) return null;
      return withRequestId({ type: 'conversations', conversations, nextCursor: cursorOf(data.nextCursor) }, data);
    }
    case 'readState': {
      const { conversationId, username, messageId } = data;
      if (!isNonEmptyString(conversationId) || !isNonEmptyString(username) || !isNonEmptyString(messageId)) return null;
      return withRequestId({ type: 'readState', conversationId, username, messageId }, data);
    }
    case 'people': {
      const users = parseList(data.users, parsePerson);
      return users && withRequestId({ type: 'people', users, nextCursor: cursorOf(data.nextCursor) }, data);
    }
    case 'watched': {
      const users = parseList(data.users, parseUser);
      if (!users || !isNonEmptyString(data.conversationId)) return null;
      return withRequestId({ type: 'watched', conversationId: data.conversationId, users }, data);
    }
    case 'presence': {
      const user = parseUser(data.user);
      return user && { type: 'presence', user };
    }
    case 'profile': {
      const user = parseUser(data.user);
      if (!user) return null;
      return isString(data.requestId) ? { type: 'profile', user, requestId: data.requestId } : { type: 'profile', user };
    }
    case 'uploadUrl': {
      const { purpose, key, url, method, contentType, size, expiresAt } = data;
      const headers = parseHeaders(data.headers);
      if (!isPurpose(purpose) || !isNonEmptyString(key) || !isHttpUrl(url) || !headers) return null;
      if (!isString(contentType) || !isNumber(size) || !isNumber(expiresAt)) return null;
      const event: ServerEvent = {
        type: 'uploadUrl',
        purpose,
        key,
        url,
        method: isNonEmptyString(method) ? method.toUpperCase() : 'PUT',
        headers,
        contentType,
        size,
        expiresAt,
      };
      if (isString(data.requestId)) event.requestId = data.requestId;
      return event;
    }
    case 'downloadUrls': {
      if (!isObject(data.urls) || !isNumber(data.expiresAt)) return null;
      const urls: Record<string, string> = {};
      for (const [key, url] of Object.entries(data.urls)) {
        if (!isHttpUrl(url)) return null;
        urls[key] = url;
      }
      const event: ServerEvent = { type: 'downloadUrls', urls, expiresAt: data.expiresAt };
      if (isString(data.requestId)) event.requestId = data.requestId;
      return event;
    }
    case 'messageEdited': {
      const { conversationId, messageId, text, editedAt } = data;
      if (!isNonEmptyString(conversationId) || !isNonEmptyString(messageId) || !isString(text) || !isNumber(editedAt)) return null;
      return withRequestId({ type: 'messageEdited', conversationId, messageId, text, editedAt }, data);
    }
    case 'messageDeleted': {
      const { conversationId, messageId, deletedAt, deletedBy } = data;
      if (!isNonEmptyString(conversationId) || !isNonEmptyString(messageId) || !isNumber(deletedAt) || !isString(deletedBy)) return null;
      return withRequestId({ type: 'messageDeleted', conversationId, messageId, deletedAt, deletedBy }, data);
    }
    case 'reaction': {
      const { conversationId, messageId, emoji, count, user, reacted } = data;
      if (!isNonEmptyString(conversationId) || !isNonEmptyString(messageId) || !isNonEmptyString(emoji)) return null;
      if (!isCount(count) || !isNonEmptyString(user) || typeof reacted !== 'boolean') return null;
      return withRequestId({ type: 'reaction', conversationId, messageId, emoji, count, user, reacted }, data);
    }
    case 'typing': {
      const { conversationId, from } = data;
      if (!isNonEmptyString(conversationId) || !isNonEmptyString(from)) return null;
      return { type: 'typing', conversationId, from };
    }
    case 'pong':
      return { type: 'pong' };
    case 'error': {
      if (!isString(data.code)) return null;
      const event: ServerEvent = {
        type: 'error',
        code: data.code,
        message: isString(data.message) ? data.message : data.code,
      };
      if (isString(data.action)) event.action = data.action;
      if (isString(data.clientMessageId)) event.clientMessageId = data.clientMessageId;
      if (isString(data.requestId)) event.requestId = data.requestId;
      return event;
    }
    default:
      return null;
  }
}
