// Request/answer correlation for the actions answered by an event carrying their `requestId`
// (getUploadUrl → uploadUrl, getConversations → conversations, createRoom → room, …). Every request
// gets a fresh id; its promise settles with the answer, rejects on an `error` echoing the id, on a
// disconnect (an answer can never come on another connection) and after a timeout.
import type { RequestAction, RequestAnswers, ServerEvent } from './frames';

export type RequestKind = keyof RequestAnswers;

/** Why a request failed: a server error code, or `disconnected`, `timeout`, `offline`. */
export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly action?: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

const ANSWER_TYPE: { [K in RequestKind]: RequestAnswers[K]['type'] } = {
  getUploadUrl: 'uploadUrl',
  getDownloadUrl: 'downloadUrls',
  setAvatar: 'profile',
  createRoom: 'room',
  renameRoom: 'room',
  addMembers: 'membership',
  removeMember: 'membership',
  setRole: 'membership',
  getMembers: 'members',
  getConversations: 'conversations',
  markRead: 'readState',
  searchPeople: 'people',
  watchPresence: 'watched',
  editMessage: 'messageEdited',
  deleteMessage: 'messageDeleted',
  react: 'reaction',
};

/** The event types that answer a request. */
const ANSWER_TYPES: ReadonlySet<string> = new Set(Object.values(ANSWER_TYPE));

export const REQUEST_TIMEOUT_MS = 30_000;

interface Pending {
  action: RequestKind;
  resolve(event: ServerEvent): void;
  reject(error: RequestError): void;
  timer: ReturnType<typeof setTimeout>;
}

/** A fresh id: a random prefix per tracker and a counter (1–64 of `A–Z a–z 0–9 _ -`). */
function randomPrefix(): string {
  const bytes = new Uint8Array(6);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class RequestTracker {
  private readonly pending = new Map<string, Pending>();
  private readonly prefix = randomPrefix();
  private seq = 0;

  constructor(private readonly timeoutMs = REQUEST_TIMEOUT_MS) {}

  get size(): number {
    return this.pending.size;
  }

  /**
   * Registers a request and sends it (with its `requestId`) through `send`, which returns false
   * when it could not be sent: the promise then rejects at once with `offline`.
   */
  request<A extends RequestAction>(
    action: A,
    send: (framed: A & { requestId: string }) => boolean,
  ): Promise<RequestAnswers[A['action']]> {
    const requestId = `r${this.prefix}-${++this.seq}`;
    return new Promise<RequestAnswers[A['action']]>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending.delete(requestId)) {
          reject(new RequestError('timeout', 'The server did not answer in time.', action.action));
        }
      }, this.timeoutMs);
      this.pending.set(requestId, {
        action: action.action,
        resolve: resolve as (event: ServerEvent) => void,
        reject,
        timer,
      });
      if (!send({ ...action, requestId })) {
        this.settle(requestId);
        reject(new RequestError('offline', 'Not connected to the server.', action.action));
      }
    });
  }

  /** Settles the request an event answers, if any; true when it did. */
  handle(event: ServerEvent): boolean {
    if (event.type === 'error') {
      let id = event.requestId;
      if (id === undefined && event.action !== undefined) {
        // A refusal that could not echo the id (e.g. the frame itself was refused): the oldest
        // request of that action, as answers on one connection mostly come in order.
        id = [...this.pending].find(([, p]) => p.action === event.action)?.[0];
      }
      const p = id === undefined ? undefined : this.settle(id);
      if (!p) return false;
      p.reject(new RequestError(event.code, event.message, p.action));
      return true;
    }
    if (!ANSWER_TYPES.has(event.type) || !('requestId' in event)) return false;
    // Answers are matched by their `requestId` only: one without it (e.g. the `profile` broadcast
    // every other connection gets) answers nothing here.
    const id = event.requestId;
    if (id === undefined) return false;
    const p = this.pending.get(id);
    if (!p || ANSWER_TYPE[p.action] !== event.type) return false;
    this.settle(id);
    p.resolve(event);
    return true;
  }

  /** Rejects every request in flight (the connection they were sent on is gone). */
  rejectAll(code = 'disconnected', message = 'The connection to the server dropped before it answered.'): void {
    const all = [...this.pending.entries()];
    for (const [id] of all) this.settle(id);
    for (const [, p] of all) p.reject(new RequestError(code, message, p.action));
  }

  private settle(id: string): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    clearTimeout(p.timer);
    this.pending.delete(id);
    return p;
  }
}
