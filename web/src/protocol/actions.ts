// Builders of the request actions of rooms, the inbox, read state and the directory (issue #14).
// They put each action in its wire shape (names trimmed, usernames deduplicated whatever their
// case, my own name left out where the server ignores it, limits within the server's bounds); the
// client adds the `requestId`. Validation for people (what is wrong with a name) is in chatRules.
import {
  checkRoomName,
  CONVERSATIONS_PAGE_LIMIT,
  MAX_USERS_PER_REQUEST,
  MEMBERS_PAGE_LIMIT,
  PEOPLE_PAGE_LIMIT,
  sameUser,
  userKey,
} from './chatRules';
import type {
  AddMembersAction,
  CreateRoomAction,
  DeleteMessageAction,
  EditMessageAction,
  GetConversationsAction,
  GetMembersAction,
  MarkReadAction,
  ReactAction,
  RemoveMemberAction,
  RenameRoomAction,
  Role,
  SearchPeopleAction,
  SetRoleAction,
  TypingAction,
  WatchPresenceAction,
} from './frames';

type Request<A> = Omit<A, 'requestId'>;

/** Usernames once each (case-insensitive), in the order given, without `except`. */
export function distinctUsers(usernames: readonly string[], except?: string | null): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const name of usernames) {
    const key = userKey(name);
    if (!key || seen.has(key) || sameUser(name, except)) continue;
    seen.add(key);
    out.push(name);
  }
  return out;
}

/** Splits into chunks of at most `size` (the server takes at most 50 usernames per request). */
export function chunks<T>(items: readonly T[], size = MAX_USERS_PER_REQUEST): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function createRoom(name: string, members: readonly string[], me?: string | null): Request<CreateRoomAction> {
  return { action: 'createRoom', name: checkRoomName(name).name, members: distinctUsers(members, me) };
}

export function renameRoom(conversationId: string, name: string): Request<RenameRoomAction> {
  return { action: 'renameRoom', conversationId, name: checkRoomName(name).name };
}

export function addMembers(conversationId: string, usernames: readonly string[], me?: string | null): Request<AddMembersAction> {
  return { action: 'addMembers', conversationId, usernames: distinctUsers(usernames, me) };
}

/** Removes `username`; with my own name, leaves the room. */
export function removeMember(conversationId: string, username: string): Request<RemoveMemberAction> {
  return { action: 'removeMember', conversationId, username };
}

export function setRole(conversationId: string, username: string, role: Role): Request<SetRoleAction> {
  return { action: 'setRole', conversationId, username, role };
}

const withPage = <A extends object>(action: A, limit: number, cursor?: string | null): A & { limit: number; cursor?: string } =>
  cursor ? { ...action, limit, cursor } : { ...action, limit };

export function getMembers(conversationId: string, cursor?: string | null, limit = MEMBERS_PAGE_LIMIT): Request<GetMembersAction> {
  return withPage({ action: 'getMembers' as const, conversationId }, limit, cursor);
}

export function getConversations(cursor?: string | null, limit = CONVERSATIONS_PAGE_LIMIT): Request<GetConversationsAction> {
  return withPage({ action: 'getConversations' as const }, limit, cursor);
}

export function markRead(conversationId: string, messageId: string): Request<MarkReadAction> {
  return { action: 'markRead', conversationId, messageId };
}

/** `prefix` as typed: the server matches usernames case-insensitively, so it goes lower-case. */
export function searchPeople(prefix: string, cursor?: string | null, limit = PEOPLE_PAGE_LIMIT): Request<SearchPeopleAction> {
  return withPage({ action: 'searchPeople' as const, prefix: prefix.trim().toLowerCase() }, limit, cursor);
}

/** One request per 50 users (my own name left out: I know whether I am online). */
export function watchPresence(conversationId: string, usernames: readonly string[], me?: string | null): Request<WatchPresenceAction>[] {
  return chunks(distinctUsers(usernames, me)).map((batch) => ({ action: 'watchPresence', conversationId, usernames: batch }));
}

/** Edits my message: the text as stored (trimmed; empty removes it beside an attachment). */
export function editMessage(conversationId: string, messageId: string, text: string): Request<EditMessageAction> {
  return { action: 'editMessage', conversationId, messageId, text: text.trim() };
}

export function deleteMessage(conversationId: string, messageId: string): Request<DeleteMessageAction> {
  return { action: 'deleteMessage', conversationId, messageId };
}

/** `reacted`: the state wanted (true adds my reaction, false takes it back). */
export function react(conversationId: string, messageId: string, emoji: string, reacted: boolean): Request<ReactAction> {
  return { action: 'react', conversationId, messageId, emoji, reacted };
}

/** I am typing (no answer; no requestId). */
export function typing(conversationId: string): TypingAction {
  return { action: 'typing', conversationId };
}
