// The server's chat rules (shared/src/rules.rs), mirrored so the UI refuses what the server would.

export const USERNAME_MAX_CHARS = 32;
export const TEXT_MAX_CHARS = 4000;
export const CLIENT_MESSAGE_ID_MAX_CHARS = 64;
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 100;

const USERNAME_RE = /^[A-Za-z0-9_.-]{1,32}$/;
const CLIENT_MESSAGE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
// Rust's str::trim trims Unicode White_Space; JS's String.prototype.trim also trims U+FEFF.
const EDGE_WHITESPACE_RE = /^\p{White_Space}+|\p{White_Space}+$/gu;
// Rust's char::is_control is the Cc category; newline and tab are allowed.
const FORBIDDEN_CONTROL_RE = /[^\P{Cc}\n\t]/u;

export const USERNAME_RULE = "1–32 characters: letters, digits, '_', '-' or '.'";

export function isValidUsername(name: string): boolean {
  return USERNAME_RE.test(name);
}

/** What is wrong with a username the server would refuse (for the sign-up form), or null. */
export function usernameProblem(username: string): string | null {
  if (username.length === 0) return 'Enter a username.';
  if (!isValidUsername(username)) return `A username is ${USERNAME_RULE}.`;
  return null;
}

/** The case-insensitive identity of a user (usernames are ASCII). */
export function userKey(name: string): string {
  return name.toLowerCase();
}

export function sameUser(a: string | null | undefined, b: string | null | undefined): boolean {
  return a != null && b != null && userKey(a) === userKey(b);
}

export function isValidClientMessageId(id: string): boolean {
  return CLIENT_MESSAGE_ID_RE.test(id);
}

/** Trims as the server does. */
export function trimText(raw: string): string {
  return raw.replace(EDGE_WHITESPACE_RE, '');
}

/** Length in characters (Unicode scalar values) as the server counts them, not UTF-16 units. */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export type TextProblem = 'empty_text' | 'text_too_long' | 'invalid_text';

export interface TextCheck {
  /** The text the server would store. */
  text: string;
  /** Characters after trimming. */
  chars: number;
  problem: TextProblem | null;
}

export function checkText(raw: string): TextCheck {
  const text = trimText(raw);
  const chars = charCount(text);
  let problem: TextProblem | null = null;
  if (chars === 0) problem = 'empty_text';
  else if (chars > TEXT_MAX_CHARS) problem = 'text_too_long';
  else if (FORBIDDEN_CONTROL_RE.test(text)) problem = 'invalid_text';
  return { text, chars, problem };
}

/** A fresh clientMessageId (32 hex digits). Uses getRandomValues, available outside secure contexts too. */
export function newClientMessageId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export const REQUEST_ID_MAX_CHARS = 64;
const REQUEST_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidRequestId(id: string): boolean {
  return REQUEST_ID_RE.test(id);
}

// Rooms, inbox and directory (issue #14).

export const ROOM_NAME_MAX_CHARS = 64;
/** Members of one room at most. */
export const MAX_ROOM_MEMBERS = 1000;
/** Usernames per createRoom / addMembers / watchPresence request at most. */
export const MAX_USERS_PER_REQUEST = 50;
export const CONVERSATIONS_PAGE_LIMIT = 20;
export const MAX_CONVERSATIONS_PAGE_LIMIT = 50;
export const MEMBERS_PAGE_LIMIT = 100;
export const PEOPLE_PAGE_LIMIT = 20;
export const PEOPLE_PREFIX_MAX_CHARS = 32;
/** Unread counts are exact up to this; beyond, the server says `unreadMore` ("99+"). */
export const MAX_EXACT_UNREAD = 99;

export type RoomNameProblem = 'empty' | 'too_long' | 'invalid';

/** A room name as the server stores it (trimmed, 1–64 characters, no control characters), and what is wrong with it. */
export function checkRoomName(raw: string): { name: string; problem: RoomNameProblem | null } {
  const name = trimText(raw);
  const chars = charCount(name);
  let problem: RoomNameProblem | null = null;
  if (chars === 0) problem = 'empty';
  else if (chars > ROOM_NAME_MAX_CHARS) problem = 'too_long';
  else if (/\p{Cc}/u.test(name)) problem = 'invalid';
  return { name, problem };
}

export function roomNameProblemText(problem: RoomNameProblem): string {
  if (problem === 'empty') return 'Give the room a name.';
  if (problem === 'too_long') return `A room name is at most ${ROOM_NAME_MAX_CHARS} characters.`;
  return 'A room name cannot contain control characters.';
}

/** The directory's prefix (a username prefix: only username characters), or null when it cannot match anyone. */
export function peoplePrefix(raw: string): string | null {
  const prefix = raw.trim().toLowerCase();
  if (prefix.length === 0 || prefix.length > PEOPLE_PREFIX_MAX_CHARS) return null;
  return /^[a-z0-9_.-]+$/.test(prefix) ? prefix : null;
}
