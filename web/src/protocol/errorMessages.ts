// The server's refusals of the room, inbox, directory and message actions, in words for people.
import { MAX_ROOM_MEMBERS, MAX_USERS_PER_REQUEST, ROOM_NAME_MAX_CHARS, TEXT_MAX_CHARS } from './chatRules';

const MESSAGES: Record<string, string> = {
  room_full: `This room is full: a room has at most ${MAX_ROOM_MEMBERS.toLocaleString('en-US')} members.`,
  forbidden_role: 'Your role in this room does not allow that.',
  owner_must_transfer: 'You own this room: make someone else the owner before you leave.',
  not_a_member: 'You are not a member of this conversation (any more).',
  invalid_room_name: `A room name is 1–${ROOM_NAME_MAX_CHARS} characters, without control characters.`,
  too_many_members: `At most ${MAX_USERS_PER_REQUEST} people can be added at once.`,
  unknown_recipient: 'Some of these people do not exist.',
  invalid_role: 'That is not a role in a room.',
  invalid_message_id: 'That message is not in this conversation.',
  invalid_prefix: 'Search by the start of a username: letters, digits, “_”, “-” or “.”.',
  invalid_conversation: 'That conversation does not exist.',
  invalid_cursor: 'The list changed meanwhile; try again.',
  invalid_limit: 'The server refused the page size.',
  message_deleted: 'That message was deleted.',
  not_author: 'Only its author can change that message (in a room, owners and admins can delete it).',
  invalid_emoji: 'A reaction is one emoji.',
  too_many_reactions: 'This message already has 20 different reactions: add to one of them.',
  empty_text: 'A message needs some text (or an attachment).',
  text_too_long: `Messages can be at most ${TEXT_MAX_CHARS} characters.`,
  service_unavailable: 'The server could not do that just now; try again.',
  timeout: 'The server did not answer in time; try again.',
  offline: 'Not connected to the server; try again once connected.',
  disconnected: 'The connection dropped before the server answered; try again.',
};

/** A message for people for an error code (the server's own message, else a generic one, for codes not listed). */
export function errorText(code: string, fallback?: string): string {
  return MESSAGES[code] ?? fallback ?? 'Something went wrong; try again.';
}
