// Groups a conversation's items (confirmed and outgoing) by day, then by consecutive sender.
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
}

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

export function groupTimeline(items: readonly TimelineItem[], me: string): DayGroup[] {
  const days: DayGroup[] = [];
  for (const item of items) {
    const day = dayKey(item.at);
    let dayGroup = days[days.length - 1];
    if (!dayGroup || dayGroup.day !== day) {
      dayGroup = { day, at: item.at, groups: [] };
      days.push(dayGroup);
    }
    let group = dayGroup.groups[dayGroup.groups.length - 1];
    if (!group || !sameUser(group.from, item.from)) {
      group = { key: item.key, from: item.from, mine: sameUser(item.from, me), items: [] };
      dayGroup.groups.push(group);
    }
    group.items.push(item);
  }
  return days;
}
