// Read receipts under my messages. A direct conversation: "Seen" under the newest of my messages
// the other user has read (their read point, live by `readState`). A room: "Read by N" under my
// newest message, N the members (not me) whose read point is at it or later — from the members
// loaded (`getMembers`; a room gets no live read points of others, see docs/decisions.md), moved
// by their messages (sending moves the sender's read point).
import { sameUser } from '../protocol/chatRules';
import type { ChatMessage } from '../protocol/frames';
import { readByNames, type Member } from './members';

export type Receipt = { kind: 'seen'; messageId: string } | { kind: 'readBy'; messageId: string; count: number; names: string[] };

/** The newest of my messages at or before the other user's read point, marked "Seen"; null when none is. */
export function directReceipt(messages: readonly ChatMessage[], me: string | null, otherReadMessageId: string | undefined): Receipt | null {
  if (otherReadMessageId === undefined) return null;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (sameUser(m.from, me) && m.id <= otherReadMessageId) return { kind: 'seen', messageId: m.id };
  }
  return null;
}

/** "Read by N" under my newest message; null when nobody else has read it (or I have sent none). */
export function roomReceipt(messages: readonly ChatMessage[], me: string | null, members: readonly Member[] | undefined): Receipt | null {
  if (!members) return null;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (!sameUser(m.from, me)) continue;
    const names = readByNames(members, m.id, me);
    return names.length > 0 ? { kind: 'readBy', messageId: m.id, count: names.length, names } : null;
  }
  return null;
}

export function receiptLabel(receipt: Receipt): string {
  return receipt.kind === 'seen' ? 'Seen' : `Read by ${receipt.count}`;
}
