// When to send `markRead`: the conversation on screen in a visible tab notes its newest message
// from someone else; the read point goes to the server a moment later (a burst of messages makes
// one request), only forward (never for a message at or before my read point) and once per id.

/** Quiet time after the last note before the read point is sent. */
export const MARK_READ_DEBOUNCE_MS = 500;
/** A steady stream of messages still sends at least this often. */
export const MARK_READ_MAX_WAIT_MS = 2_000;

export interface ReadMarkerOptions {
  /** Sends `markRead`; resolves true when the server took it, false when it should be tried again later. */
  send(conversationId: string, messageId: string): Promise<boolean>;
  debounceMs?: number;
  maxWaitMs?: number;
}

export class ReadMarker {
  /** The read point waiting to be sent, by conversation. */
  private readonly due = new Map<string, string>();
  /** The last read point sent (or being sent), by conversation: never sent twice. */
  private readonly sent = new Map<string, string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private firstNoteAt: number | null = null;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;

  constructor(private readonly opts: ReadMarkerOptions) {
    this.debounceMs = opts.debounceMs ?? MARK_READ_DEBOUNCE_MS;
    this.maxWaitMs = opts.maxWaitMs ?? MARK_READ_MAX_WAIT_MS;
  }

  /**
   * `messageId` (the newest message not from me, on screen) has been seen; `readMessageId` is my
   * read point as known. Ids are ULIDs: their string order is their time order.
   */
  note(conversationId: string, messageId: string, readMessageId: string | undefined, now: number): void {
    if (readMessageId !== undefined && messageId <= readMessageId) return;
    const sent = this.sent.get(conversationId);
    if (sent !== undefined && messageId <= sent) return;
    const due = this.due.get(conversationId);
    if (due !== undefined && messageId <= due) return;
    this.due.set(conversationId, messageId);
    if (this.firstNoteAt === null) this.firstNoteAt = now;
    const wait = Math.max(0, Math.min(this.debounceMs, this.firstNoteAt + this.maxWaitMs - now));
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Sends what is due now. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.firstNoteAt = null;
    const due = [...this.due];
    this.due.clear();
    for (const [conversationId, messageId] of due) {
      this.sent.set(conversationId, messageId);
      void this.opts.send(conversationId, messageId).then(
        (ok) => this.settled(conversationId, messageId, ok),
        () => this.settled(conversationId, messageId, false),
      );
    }
  }

  /** Drops what is waiting (signed out), and forgets what was sent (a new user, a new start). */
  reset(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.firstNoteAt = null;
    this.due.clear();
    this.sent.clear();
  }

  private settled(conversationId: string, messageId: string, ok: boolean): void {
    // Not taken (offline, dropped): the next note of the same message sends it again.
    if (!ok && this.sent.get(conversationId) === messageId) this.sent.delete(conversationId);
  }
}
