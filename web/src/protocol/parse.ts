// Decodes server frames into typed events. Anything malformed is refused (null), never half-trusted.
import type { ChatMessage, ServerEvent, UserPresence } from './types';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function parseMessage(v: unknown): ChatMessage | null {
  if (!isObject(v)) return null;
  const { id, conversationId, from, to, text, sentAt, clientMessageId } = v;
  if (!isString(id) || !isString(conversationId) || !isString(from) || !isString(to)) return null;
  if (!isString(text) || !isNumber(sentAt)) return null;
  return {
    id,
    conversationId,
    from,
    to,
    text,
    sentAt,
    clientMessageId: isString(clientMessageId) ? clientMessageId : '',
  };
}

export function parseUser(v: unknown): UserPresence | null {
  if (!isObject(v)) return null;
  const { username, online, lastSeen } = v;
  if (!isString(username) || typeof online !== 'boolean') return null;
  const user: UserPresence = { username, online };
  if (isNumber(lastSeen)) user.lastSeen = lastSeen;
  return user;
}

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
      if (!messages || !isString(data.with)) return null;
      const nextCursor = isString(data.nextCursor) ? data.nextCursor : null;
      return { type: 'messages', with: data.with, messages, nextCursor };
    }
    case 'clients': {
      const users = parseList(data.users, parseUser);
      return users && { type: 'clients', users };
    }
    case 'presence': {
      const user = parseUser(data.user);
      return user && { type: 'presence', user };
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
      return event;
    }
    default:
      return null;
  }
}
