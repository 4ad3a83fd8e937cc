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

// Media (docs/protocol.md, "Media"): profile pictures and attachments.

export const AVATAR_MAX_BYTES = 2 * 1024 * 1024;
export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
export const FILE_NAME_MAX_CHARS = 255;
/** Keys per `getDownloadUrl`. */
export const DOWNLOAD_KEYS_MAX = 50;
export const REQUEST_ID_MAX_CHARS = 64;

/** The allow-list: media type → extension (the server names keys with it). */
export const MEDIA_TYPES: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/csv': 'csv',
  'application/zip': 'zip',
  'audio/mpeg': 'mp3',
  'video/mp4': 'mp4',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
};

/** Profile pictures: these images only. */
export const AVATAR_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];
export const ATTACHMENT_TYPES: readonly string[] = Object.keys(MEDIA_TYPES);

/** For `<input type=file accept>`: the types and their extensions (some systems know only the latter). */
export const AVATAR_ACCEPT = AVATAR_TYPES.join(',');
export const ATTACHMENT_ACCEPT = [...ATTACHMENT_TYPES, ...Object.values(MEDIA_TYPES).map((ext) => `.${ext}`), '.jpeg'].join(',');

// File extensions a system may report with an empty or vendor-specific type, mapped to the allow-list.
const EXTENSION_TYPES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(MEDIA_TYPES).map(([type, ext]) => [ext, type])),
  jpeg: 'image/jpeg',
};
// Types a browser would run as a page or script: never guessed from the name (the server refuses them).
const ACTIVE_TYPES = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'text/xml',
  'application/xml',
]);

export function isImageType(contentType: string): boolean {
  return AVATAR_TYPES.includes(contentType);
}

/**
 * The media type to declare for a file: the browser's type when it is on the allow-list, else the
 * one its extension names (Windows reports `.zip` as `application/x-zip-compressed`, `.csv` as
 * `application/vnd.ms-excel`, some systems report nothing). Otherwise the browser's type, which
 * the rules then refuse. Never guesses for HTML, SVG or scripts.
 */
export function mediaTypeOf(file: { name: string; type: string }): string {
  const declared = file.type.split(';')[0]!.trim().toLowerCase();
  if (MEDIA_TYPES[declared]) return declared;
  if (ACTIVE_TYPES.has(declared)) return declared;
  const ext = /\.([A-Za-z0-9]+)$/.exec(file.name)?.[1]?.toLowerCase();
  const guessed = ext ? EXTENSION_TYPES[ext] : undefined;
  return guessed ?? declared;
}

// No control character (Cc) and no path separator.
const FORBIDDEN_NAME_RE = /[\p{Cc}/\\]/u;

/** An attachment's `name` (trimmed, as the server stores it): 1–255 characters, no control characters, no `/` or `\`. */
export function isValidFileName(raw: string): boolean {
  const name = trimText(raw);
  const chars = charCount(name);
  return chars >= 1 && chars <= FILE_NAME_MAX_CHARS && !FORBIDDEN_NAME_RE.test(name);
}

export type MediaProblemCode = 'unsupported_media_type' | 'file_too_large' | 'invalid_size' | 'invalid_file_name';

export interface MediaProblem {
  code: MediaProblemCode;
  /** For people: what is wrong and what is allowed. */
  message: string;
}

/** "12.3 MB", "512 B" (binary multiples, as the limits are). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = value >= 100 || Number.isInteger(value) ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, '');
  return `${shown} ${units[unit]}`;
}

export const AVATAR_RULE = 'a PNG, JPEG, WebP or GIF image of at most 2 MB';
export const ATTACHMENT_RULE = 'images, PDF, text, CSV, ZIP, MP3, MP4 and Word, Excel or PowerPoint documents of at most 10 MB';

/**
 * The server's rules for a file about to be uploaded (type for its purpose, size, and for an
 * attachment its name), so the user hears at once what the server would refuse.
 */
export function checkMediaFile(purpose: 'avatar' | 'attachment', file: { name: string; type: string; size: number }): MediaProblem | null {
  const type = mediaTypeOf(file);
  const allowed = purpose === 'avatar' ? AVATAR_TYPES : ATTACHMENT_TYPES;
  const max = purpose === 'avatar' ? AVATAR_MAX_BYTES : ATTACHMENT_MAX_BYTES;
  const shownName = file.name || 'The file';
  if (!allowed.includes(type)) {
    return {
      code: 'unsupported_media_type',
      message:
        purpose === 'avatar'
          ? `${shownName} cannot be a profile picture: use ${AVATAR_RULE}.`
          : `${shownName} cannot be sent: ${type ? `files of type ${type} are not allowed` : 'its type is unknown'}. Allowed: ${ATTACHMENT_RULE}.`,
    };
  }
  if (file.size <= 0) return { code: 'invalid_size', message: `${shownName} is empty.` };
  if (file.size > max) {
    // Just over the limit rounds to the limit: say "over" instead of "10 MB; at most 10 MB".
    const size = formatBytes(file.size) === formatBytes(max) ? `over ${formatBytes(max)}` : formatBytes(file.size);
    return {
      code: 'file_too_large',
      message: `${shownName} is ${size}; ${purpose === 'avatar' ? 'a profile picture' : 'a file'} can be at most ${formatBytes(max)}.`,
    };
  }
  if (purpose === 'attachment' && !isValidFileName(file.name)) {
    return {
      code: 'invalid_file_name',
      message: `The file name must be 1–${FILE_NAME_MAX_CHARS} characters without control characters, “/” or “\\”. Rename the file and try again.`,
    };
  }
  return null;
}

const REQUEST_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidRequestId(id: string): boolean {
  return REQUEST_ID_RE.test(id);
}
