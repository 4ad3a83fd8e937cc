// Test doubles: a scriptable WebSocket and message builders.
import type { WebSocketLike } from '../protocol/client';
import type { ChatMessage, ClientAction, ServerEvent } from '../protocol/types';

export class FakeSocket implements WebSocketLike {
  static instances: FakeSocket[] = [];
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readonly sent: string[] = [];
  closedWith: { code?: number; reason?: string } | null = null;

  constructor(readonly url: string) {
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

export const fakeSocketFactory = (url: string) => new FakeSocket(url);

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
