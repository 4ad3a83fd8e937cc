// The server's media rules (shared/src/media.rs, docs/protocol.md "Media"), mirrored so the UI
// refuses at once a profile picture or attachment the server would refuse.
import { charCount, trimText } from '../protocol/chatRules';

export const AVATAR_MAX_BYTES = 2 * 1024 * 1024;
export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
export const FILE_NAME_MAX_CHARS = 255;
/** Keys per `getDownloadUrl`. */
export const DOWNLOAD_KEYS_MAX = 50;

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
