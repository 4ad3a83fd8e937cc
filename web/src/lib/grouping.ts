// Groups a conversation's items (confirmed and outgoing) by day, then into runs: consecutive
// messages of one sender, each within a few minutes of the one before, as the usual chats do (one
// time shown per run). The start of the unread part begins a run of its own, under its divider.
import { sameUser } from '../protocol/chatRules';
import type { ChatMessage } from '../protocol/frames';
import type { OutgoingMessage } from '../state/appState';
import { dayKey } from './time';

export type TimelineItem =
  | { kind: 'message'; key: string; from: string; at: number; message: ChatMessage }
  | { kind: 'outgoing'; key: string; from: string; at: number; outgoing: OutgoingMessage };

export interface SenderGroup {
  key: string;
  from: string;
  mine: boolean;
  items: TimelineItem[];
  /** The first unread message when the conversation was opened starts this run: the divider goes above it. */
  unreadStart: boolean;
}

/** A pause longer than this between two messages of one sender starts a new run (and shows a time). */
export const RUN_GAP_MS = 5 * 60_000;

export interface DayGroup {
  day: string;
  at: number;
  groups: SenderGroup[];
}

export function timeline(messages: readonly ChatMessage[], outgoing: readonly OutgoingMessage[], me: string): TimelineItem[] {
  const items: TimelineItem[] = messages.map((m) => ({ kind: 'message', key: m.id, from: m.from, at: m.sentAt, message: m }));
  for (const o of outgoing) items.push({ kind: 'outgoing', key: `out-${o.clientMessageId}`, from: me, at: o.createdAt, outgoing: o });
  // Outgoing messages always follow the confirmed ones: they are the newest from this tab's view.
  return items;
}

/** `unreadFromKey`: the key of the first unread item (a message id), if any. */
export function groupTimeline(items: readonly TimelineItem[], me: string, unreadFromKey: string | null = null): DayGroup[] {
  const days: DayGroup[] = [];
  let previous: TimelineItem | undefined;
  for (const item of items) {
    const day = dayKey(item.at);
    let dayGroup = days[days.length - 1];
    if (!dayGroup || dayGroup.day !== day) {
      dayGroup = { day, at: item.at, groups: [] };
      days.push(dayGroup);
    }
    let group = dayGroup.groups[dayGroup.groups.length - 1];
    const unreadStart = item.key === unreadFromKey;
    if (!group || !sameUser(group.from, item.from) || unreadStart || (previous && item.at - previous.at > RUN_GAP_MS)) {
      group = { key: item.key, from: item.from, mine: sameUser(item.from, me), items: [], unreadStart };
      dayGroup.groups.push(group);
    }
    group.items.push(item);
    previous = item;
  }
  return days;
}
