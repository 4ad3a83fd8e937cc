import { describe, expect, it } from 'vitest';
import { groupTimeline, timeline } from './grouping';
import { dayLabel, relativeTime } from './time';
import { msg } from '../test/fakes';

const now = new Date(2025, 10, 24, 15, 0, 0).getTime();

describe('relativeTime', () => {
  it('says how long ago', () => {
    expect(relativeTime(now - 10_000, now)).toBe('just now');
    expect(relativeTime(now - 5 * 60_000, now)).toBe('5 minutes ago');
    expect(relativeTime(now - 3 * 3600_000, now)).toBe('3 hours ago');
    expect(relativeTime(new Date(2025, 10, 23, 9).getTime(), now)).toBe('yesterday');
    expect(relativeTime(new Date(2025, 10, 20, 9).getTime(), now)).toBe('4 days ago');
    expect(relativeTime(now + 5000, now)).toBe('just now');
  });
});

describe('grouping', () => {
  it('groups by day, then by consecutive sender', () => {
    const day1 = new Date(2025, 10, 23, 10).getTime();
    const day2 = new Date(2025, 10, 24, 10).getTime();
    const items = timeline(
      [msg('Bob', 'alice', day1), msg('Bob', 'alice', day1 + 1000), msg('alice', 'Bob', day1 + 2000), msg('alice', 'Bob', day2), msg('Bob', 'alice', day2 + 1)],
      [{ clientMessageId: 'p', conversationId: 'dm#alice#bob', text: 'x', createdAt: day2 + 2, status: 'pending' }],
      'alice',
    );
    const days = groupTimeline(items, 'ALICE');
    expect(days.map((d) => dayLabel(d.at, now))).toEqual(['Yesterday', 'Today']);
    expect(days.map((d) => d.groups.map((g) => [g.from, g.mine, g.items.length]))).toEqual([
      [
        ['Bob', false, 2],
        ['alice', true, 1],
      ],
      [
        ['alice', true, 1],
        ['Bob', false, 1],
        ['alice', true, 1],
      ],
    ]);
  });
});
