// Test doubles: a scriptable WebSocket, an access-token source and message builders.
import type { WebSocketLike } from '../protocol/client';
import type { ChatMessage, ClientAction, ServerEvent } from '../protocol/frames';

export class FakeSocket implements WebSocketLike {
  static instances: FakeSocket[] = [];
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readonly sent: string[] = [];
  closedWith: { code?: number; reason?: string } | null = null;

  constructor(
    readonly url: string,
    /** The subprotocols offered: `['chatastrophy.v1', <access token>]`. */
    readonly protocols: string[] = [],
  ) {
    FakeSocket.instances.push(this);
  }

  static reset(): void {
    FakeSocket.instances = [];
  }

  static last(): FakeSocket {
    const s = FakeSocket.instances[FakeSocket.instances.length - 1];
    if (!s) throw new Error('no socket was created');
    return s;
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  /** The server accepted the connection. */
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** The server (or the network) closed the connection. */
  serverClose(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  receive(event: ServerEvent | Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(event) });
  }

  actions(): ClientAction[] {
    return this.sent.map((s) => JSON.parse(s) as ClientAction);
  }
}

export const fakeSocketFactory = (url: string, protocols: string[]) => new FakeSocket(url, protocols);

/** Lets pending promise callbacks run (a transport awaits its token before creating the socket). */
export async function flushMicrotasks(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/**
 * An access-token source: `jwt-1`, `jwt-2`, … (a new one for each forced refresh), valid an hour
 * from `now()`; `ended()` makes it answer null (no session), `failing(true)` makes it throw.
 */
export class FakeTokens {
  readonly calls: { forceRefresh: boolean }[] = [];
  private serial = 1;
  private session = true;
  private failure = false;

  constructor(private readonly now: () => number = Date.now, private readonly lifetimeMs = 60 * 60 * 1000) {}

  readonly source = async ({ forceRefresh }: { forceRefresh: boolean }) => {
    this.calls.push({ forceRefresh });
    if (this.failure) throw new Error('network down');
    if (!this.session) return null;
    if (forceRefresh) this.serial += 1;
    return { jwt: `jwt-${this.serial}`, expiresAt: this.now() + this.lifetimeMs };
  };

  ended(): void {
    this.session = false;
  }

  failing(on: boolean): void {
    this.failure = on;
  }
}

let seq = 0;

/** A stored message; ids sort with sentAt like ULIDs do. */
export function msg(from: string, to: string, sentAt: number, text = `${from}→${to} @${sentAt}`, extra: Partial<ChatMessage> = {}): ChatMessage {
  seq += 1;
  const pair = [from.toLowerCase(), to.toLowerCase()].sort();
  return {
    id: `01${String(sentAt).padStart(14, '0')}${String(seq).padStart(10, '0')}`,
    conversationId: `dm#${pair[0]}#${pair[1]}`,
    from,
    to,
    text,
    sentAt,
    clientMessageId: `c-${seq}`,
    ...extra,
  };
}
