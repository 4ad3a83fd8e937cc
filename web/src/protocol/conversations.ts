// How conversations are named on the wire. Every message, history page and attachment belongs to
// one conversation, named by its `conversationId`: `dm#<a>#<b>` for the direct conversation of two
// users, `room#<ULID>` for a room.
import { userKey } from './chatRules';

/** The direct conversation of two users: `dm#<a>#<b>`, their lowercase names in string order. */
export interface DirectConversation {
  kind: 'direct';
  id: string;
  /** The other user's name (display form as best known). */
  with: string;
}

/** A room: `room#<ULID>`. */
export interface RoomConversation {
  kind: 'room';
  id: string;
  /** Its name as best known ('' until the server said). */
  name: string;
}

/** A conversation as the app addresses it. */
export type Conversation = DirectConversation | RoomConversation;

/** A ULID as the server makes them: 26 characters of Crockford's base32, upper-case. */
const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function isUlid(s: string): boolean {
  return ULID_RE.test(s);
}

/**
 * The id the server gives the direct conversation of `me` and `other`: the same whichever of them
 * asks, whatever the case of the names (usernames are case-insensitive).
 */
export function directConversationId(me: string, other: string): string {
  const [first, second] = [userKey(me), userKey(other)].sort();
  return `dm#${first}#${second}`;
}

/** `me`'s direct conversation with `other`. */
export function directConversation(me: string, other: string): DirectConversation {
  return { kind: 'direct', id: directConversationId(me, other), with: other };
}

export function roomConversationId(ulid: string): string {
  return `room#${ulid}`;
}

export function isRoomId(conversationId: string): boolean {
  return conversationId.startsWith('room#') && isUlid(conversationId.slice(5));
}

/** The ULID of a room id (for `#/room/<ULID>`), or null for another kind of id. */
export function roomUlid(conversationId: string): string | null {
  return isRoomId(conversationId) ? conversationId.slice(5) : null;
}

export function roomConversation(conversationId: string, name = ''): RoomConversation {
  return { kind: 'room', id: conversationId, name };
}

/** The other user of a direct conversation id, as its key (lowercase), seen from `me`; null for a room. */
export function directPartnerKey(conversationId: string, me: string): string | null {
  const m = /^dm#([^#]+)#([^#]+)$/.exec(conversationId);
  if (!m) return null;
  const meKey = userKey(me);
  if (m[1] === meKey) return m[2]!;
  if (m[2] === meKey) return m[1]!;
  return null;
}

/** What a conversation is called on screen: the other user, or the room's name. */
export function conversationTitle(conversation: Conversation): string {
  return conversation.kind === 'direct' ? conversation.with : conversation.name || 'Room';
}

/** How the app points at a conversation from outside the state (the URL, a notification): the other user, or the room's id. */
export type ConversationRef = { kind: 'direct'; with: string } | { kind: 'room'; id: string };

/** The conversation a reference names, for `me` (a room's name as known, or ''). */
export function conversationOfRef(ref: ConversationRef, me: string, roomName = ''): Conversation {
  return ref.kind === 'direct' ? directConversation(me, ref.with) : roomConversation(ref.id, roomName);
}

export function refOf(conversation: Conversation): ConversationRef {
  return conversation.kind === 'direct' ? { kind: 'direct', with: conversation.with } : { kind: 'room', id: conversation.id };
}
