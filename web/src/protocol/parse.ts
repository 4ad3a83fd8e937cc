// Decodes server frames into typed events. Anything malformed is refused (null), never half-trusted.
import type { Attachment, ChatMessage, MediaPurpose, ServerEvent, UserPresence } from './frames';

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
  const { id, conversationId, from, to, text, sentAt, clientMessageId, attachment } = v;
  if (!isString(id) || !isString(conversationId) || !isString(from) || !isString(to)) return null;
  if (!isNumber(sentAt)) return null;
  // Text may be empty (or absent) only beside an attachment; a malformed attachment refuses the message.
  const file = attachment === undefined || attachment === null ? undefined : parseAttachment(attachment);
  if (file === null) return null;
  if (!isString(text) && !(file && (text === undefined || text === null))) return null;
  const message: ChatMessage = {
    id,
    conversationId,
    from,
    to,
    text: isString(text) ? text : '',
    sentAt,
    clientMessageId: isString(clientMessageId) ? clientMessageId : '',
  };
  if (file) message.attachment = file;
  return message;
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
    case 'clients': {
      const users = parseList(data.users, parseUser);
      return users && { type: 'clients', users };
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
