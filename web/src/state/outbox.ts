// Sends the outbox: one message in flight at a time, oldest first. API Gateway runs the messages
// of one connection concurrently, so two sent together could be stored (and shown to everyone) in
// either order; the next waits for the answer to the one before.
import type { ClientAction } from '../protocol/frames';
import { selectPendingOutbox, type OutgoingMessage, type Store } from './appState';

/**
 * How long the message in flight may go unanswered before it is sent again. Its clientMessageId
 * stays the same, so the server stores it once however often it arrives.
 */
export const ANSWER_TIMEOUT_MS = 10_000;

export class OutboxSender {
  /** The outbox message sent and not answered yet. */
  private inFlight: string | null = null;
  private inFlightTimer: ReturnType<typeof setTimeout> | null = null;

  /** `send` is false when there is no open connection; the message then waits for `restart`. */
  constructor(
    private readonly store: Store,
    private readonly send: (action: ClientAction) => boolean,
  ) {
    // On every store change: once the message in flight is no longer pending (acknowledged,
    // confirmed by a page, failed or discarded), the next goes. Watches for as long as the store lives.
    store.subscribe(() => {
      if (this.inFlight === null || store.getState().outbox[this.inFlight]?.status === 'pending') return;
      this.release();
      this.sendNext();
    });
  }

  /** Sends the oldest pending message, unless one is still waiting for its answer. */
  sendNext(): void {
    if (this.inFlight !== null) return;
    const [next] = selectPendingOutbox(this.store.getState());
    if (!next || !this.transmit(next)) return;
    this.inFlight = next.clientMessageId;
    this.inFlightTimer = setTimeout(() => {
      this.release();
      this.sendNext();
    }, ANSWER_TIMEOUT_MS);
  }

  /** A new connection: whatever was in flight on the old one may never be answered; start again from the oldest. */
  restart(): void {
    this.release();
    this.sendNext();
  }

  /** The connection is gone: nothing is waiting for an answer any more. */
  release(): void {
    if (this.inFlightTimer !== null) clearTimeout(this.inFlightTimer);
    this.inFlightTimer = null;
    this.inFlight = null;
  }

  private transmit(m: OutgoingMessage): boolean {
    return this.send({
      action: 'sendMessage',
      conversationId: m.conversationId,
      text: m.text,
      clientMessageId: m.clientMessageId,
      ...(m.attachment ? { attachment: m.attachment } : {}),
      ...(m.replyTo ? { replyTo: m.replyTo.messageId } : {}),
    });
  }
}
