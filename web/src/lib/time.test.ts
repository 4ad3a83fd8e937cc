import { describe, expect, it } from 'vitest';
import { groupTimeline, RUN_GAP_MS, timeline } from './grouping';
import { dayLabel, relativeTime, timeLabel } from './time';
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

describe('timeLabel', () => {
  it('shows the hour without a leading zero', () => {
    const afternoon = new Date(2025, 10, 24, 13, 4).getTime();
    const morning = new Date(2025, 10, 24, 9, 30).getTime();
    // \s: newer ICU puts a narrow no-break space before AM/PM.
    expect(timeLabel(afternoon, 'en-US')).toMatch(/^1:04\sPM$/);
    expect(timeLabel(morning, 'en-US')).toMatch(/^9:30\sAM$/);
    expect(timeLabel(morning, 'en-GB')).toBe('9:30');
    expect(timeLabel(afternoon, 'en-GB')).toBe('13:04');
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

  it('starts a new run after a pause of more than a few minutes, so each run shows one time', () => {
    const t = new Date(2025, 10, 24, 10).getTime();
    const items = timeline(
      [msg('Bob', 'alice', t), msg('Bob', 'alice', t + 60_000), msg('Bob', 'alice', t + 60_000 + RUN_GAP_MS + 1), msg('Bob', 'alice', t + 60_000 + RUN_GAP_MS + 2)],
      [],
      'alice',
    );
    const [today] = groupTimeline(items, 'alice');
    expect(today!.groups.map((g) => g.items.length)).toEqual([2, 2]);
    expect(groupTimeline(items.slice(0, 3), 'alice')[0]!.groups.map((g) => g.items.length)).toEqual([2, 1]);
  });

  it('starts a run at the first unread message, marked for the divider', () => {
    const t = new Date(2025, 10, 24, 10).getTime();
    const messages = [msg('Bob', 'alice', t), msg('Bob', 'alice', t + 1000), msg('Bob', 'alice', t + 2000)];
    const items = timeline(messages, [], 'alice');
    const groups = groupTimeline(items, 'alice', messages[1]!.id)[0]!.groups;
    expect(groups.map((g) => [g.items.map((i) => i.key), g.unreadStart])).toEqual([
      [[messages[0]!.id], false],
      [[messages[1]!.id, messages[2]!.id], true],
    ]);
    expect(groupTimeline(items, 'alice').flatMap((d) => d.groups).some((g) => g.unreadStart)).toBe(false);
  });
});
