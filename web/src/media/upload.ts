// Uploading a file (profile picture or attachment): check it against the server's rules,
// `getUploadUrl`, then send it straight to storage with exactly the presigned request the answer
// describes. Errors come out as MediaError with a message for people.
import type { GetUploadUrlAction, MediaPurpose, UploadUrlEvent } from '../protocol/frames';
import { RequestError } from '../protocol/requests';
import { ATTACHMENT_RULE, AVATAR_RULE, checkMediaFile, FILE_NAME_MAX_CHARS, mediaTypeOf } from './mediaRules';

/** A file to upload: a browser File, or anything with the same fields. */
export interface UploadSource {
  readonly name: string;
  readonly type: string;
  readonly size: number;
}

/** A failed upload or media request; `message` is for people. */
export class MediaError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MediaError';
  }
}

export interface Uploaded {
  key: string;
  contentType: string;
  size: number;
}

export interface UploadDeps {
  getUploadUrl(request: Omit<GetUploadUrlAction, 'action' | 'requestId'>): Promise<UploadUrlEvent>;
  fetch: typeof fetch;
  now: () => number;
}

export interface UploadOptions {
  /** The conversation the file is for (attachments). */
  conversationId?: string;
  signal?: AbortSignal;
}

/** A message for people about a media error code (from the rules, the server or the transport). */
export function mediaErrorMessage(code: string, purpose: MediaPurpose, serverMessage?: string): string {
  switch (code) {
    case 'unsupported_media_type':
      return purpose === 'avatar' ? `A profile picture must be ${AVATAR_RULE}.` : `This type of file cannot be sent. Allowed: ${ATTACHMENT_RULE}.`;
    case 'file_too_large':
      return purpose === 'avatar' ? 'A profile picture can be at most 2 MB.' : 'A file can be at most 10 MB.';
    case 'invalid_size':
      return 'The file is empty.';
    case 'invalid_file_name':
      return `The file name must be 1–${FILE_NAME_MAX_CHARS} characters without control characters, “/” or “\\”.`;
    case 'invalid_media_key':
    case 'forbidden_media':
      return 'The server refused the uploaded file. Try again.';
    case 'invalid_recipient':
      return 'You cannot send a file to yourself.';
    case 'unknown_recipient':
      return 'Nobody has that username.';
    case 'upload_expired':
      return 'The upload link expired before the file was sent. Try again.';
    case 'upload_network':
      return 'The upload failed: the file could not be sent to storage. Check your connection and try again.';
    case 'disconnected':
    case 'offline':
      return 'Not connected to the server. Try again when the connection is back.';
    case 'timeout':
      return 'The server did not answer in time. Try again.';
    case 'service_unavailable':
      return 'The server is having trouble right now. Try again in a moment.';
    default:
      return serverMessage ?? `The upload failed (${code}).`;
  }
}

function asMediaError(error: unknown, purpose: MediaPurpose): unknown {
  if (error instanceof RequestError) return new MediaError(error.code, mediaErrorMessage(error.code, purpose, error.message));
  return error;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/**
 * Checks the file, asks for an upload URL and sends the file there. A URL that expired before S3
 * saw it (403 after `expiresAt`) is asked for again once. Rejects with MediaError, or with the
 * AbortError of `signal`.
 */
export async function uploadFile(deps: UploadDeps, purpose: MediaPurpose, file: UploadSource & Blob, options: UploadOptions = {}): Promise<Uploaded> {
  const problem = checkMediaFile(purpose, file);
  if (problem) throw new MediaError(problem.code, problem.message);
  const contentType = mediaTypeOf(file);
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    let answer: UploadUrlEvent;
    try {
      answer = await deps.getUploadUrl({ purpose, contentType, size: file.size, ...(options.conversationId ? { conversationId: options.conversationId } : {}) });
    } catch (error) {
      throw asMediaError(error, purpose);
    }
    options.signal?.throwIfAborted();
    let res: Response;
    try {
      res = await deps.fetch(answer.url, { method: answer.method, headers: answer.headers, body: file, signal: options.signal });
    } catch (error) {
      if (isAbort(error) || options.signal?.aborted) throw error;
      throw new MediaError('upload_network', mediaErrorMessage('upload_network', purpose));
    }
    if (res.ok) return { key: answer.key, contentType: answer.contentType || contentType, size: answer.size || file.size };
    const expired = res.status === 403 && deps.now() >= answer.expiresAt;
    if (expired && attempt === 0) continue;
    if (expired) throw new MediaError('upload_expired', mediaErrorMessage('upload_expired', purpose));
    throw new MediaError(`upload_http_${res.status}`, `The upload failed: storage answered HTTP ${res.status}. Try again.`);
  }
}
