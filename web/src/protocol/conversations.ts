// How conversations are named on the wire. Every message, history page and attachment belongs to
// one conversation, named by its `conversationId`; today that is the direct conversation of two
// users, and rooms will be another kind of the same id.
import { userKey } from './chatRules';

/** The direct conversation of two users: `dm#<a>#<b>`, their lowercase names in string order. */
export interface DirectConversation {
  kind: 'direct';
  id: string;
  /** The other user's name (display form as best known). */
  with: string;
}

/** A conversation as the app addresses it (rooms will join this union). */
export type Conversation = DirectConversation;

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
