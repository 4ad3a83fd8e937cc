import { describe, expect, it } from 'vitest';
import { msg } from '../test/fakes';
import { addUnread, compareInbox, itemWithMessage, itemWithReadState, lastMessageOf, mergeItem, previewLine, unreadWeight, type InboxItem } from './inboxItems';

const item = (extra: Partial<InboxItem> = {}): InboxItem => ({
  conversationId: 'dm#alice#bob',
  kind: 'direct',
  name: 'Bob',
  lastActivityAt: 0,
  unread: 0,
  unreadMore: false,
  ...extra,
});

describe('inbox items', () => {
  it('sort by last activity (newest first), then conversationId', () => {
    const a = item({ conversationId: 'dm#a#x', lastActivityAt: 5 });
    const b = item({ conversationId: 'dm#b#x', lastActivityAt: 9 });
    const c = item({ conversationId: 'dm#c#x', lastActivityAt: 5 });
    expect([a, b, c].sort(compareInbox).map((i) => i.conversationId)).toEqual(['dm#b#x', 'dm#a#x', 'dm#c#x']);
  });

  it('count unread exactly to 99, then 99+ (weighing 100 in totals)', () => {
    expect(addUnread({ unread: 3, unreadMore: false }, 2)).toEqual({ unread: 5, unreadMore: false });
    expect(addUnread({ unread: 99, unreadMore: false }, 1)).toEqual({ unread: 99, unreadMore: true });
    expect(unreadWeight({ unread: 99, unreadMore: true })).toBe(100);
    expect(unreadWeight({ unread: 7, unreadMore: false })).toBe(7);
  });

  it("someone else's live message: one more unread (not when on screen, not twice, not when already read)", () => {
    const m = msg('Bob', 'alice', 100, 'hi');
    expect(itemWithMessage(item(), m, 'alice', false, true)).toMatchObject({ unread: 1, lastActivityAt: 100, lastMessage: { messageId: m.id, from: 'Bob', preview: 'hi' } });
    expect(itemWithMessage(item(), m, 'alice', true, true).unread).toBe(0);
    expect(itemWithMessage(item(), m, 'alice', false, false).unread).toBe(0);
    expect(itemWithMessage(item({ readMessageId: m.id }), m, 'alice', false, true).unread).toBe(0);
    // An older message does not replace the newest one.
    const newer = itemWithMessage(item(), msg('Bob', 'alice', 200), 'alice', false, true);
    expect(itemWithMessage(newer, m, 'alice', false, true).lastMessage!.sentAt).toBe(200);
  });

  it('my own message clears my unread and moves my read point', () => {
    const m = msg('Alice', 'Bob', 100);
    expect(itemWithMessage(item({ unread: 4, unreadMore: true }), m, 'alice', false, true)).toMatchObject({ unread: 0, unreadMore: false, readMessageId: m.id });
  });

  it('my read point: none left at the newest; else what is loaded after it; unknown leaves the count', () => {
    const m1 = msg('Bob', 'alice', 1);
    const m2 = msg('Bob', 'alice', 2);
    const mine = msg('alice', 'Bob', 3);
    const m3 = msg('Bob', 'alice', 4);
    const held = item({ unread: 3, lastMessage: lastMessageOf(m3) });
    expect(itemWithReadState(held, 'alice', m3.id, 'alice', undefined)).toMatchObject({ unread: 0, readMessageId: m3.id });
    expect(itemWithReadState(held, 'alice', m1.id, 'alice', [m1, m2, mine, m3])).toMatchObject({ unread: 2, readMessageId: m1.id });
    expect(itemWithReadState(held, 'alice', m1.id, 'alice', undefined).unread).toBe(3);
    // The other user's: "Seen" (direct only).
    expect(itemWithReadState(held, 'Bob', m2.id, 'alice', undefined)).toMatchObject({ unread: 3, otherReadMessageId: m2.id });
    expect(itemWithReadState(item({ kind: 'room' }), 'bob', m2.id, 'alice', undefined).otherReadMessageId).toBeUndefined();
  });

  it('a fresh page wins but read points only move forward and a newer live message stays', () => {
    const live = lastMessageOf(msg('Bob', 'alice', 500));
    const held = item({ readMessageId: '00C', otherReadMessageId: '00C', lastMessage: live, lastActivityAt: 500 });
    const fresh = item({ readMessageId: '00B', otherReadMessageId: '00D', unread: 2, lastMessage: { messageId: '00A', from: 'Bob', preview: 'x', sentAt: 1 }, lastActivityAt: 1 });
    expect(mergeItem(held, fresh)).toMatchObject({ readMessageId: '00C', otherReadMessageId: '00D', unread: 2, lastMessage: live, lastActivityAt: 500 });
    expect(mergeItem(undefined, fresh)).toBe(fresh);
  });

  it('preview lines: mine, a room sender, a file alone, a room without messages', () => {
    const last = (from: string, preview: string, attachmentName?: string) => ({ messageId: '1', from, preview, sentAt: 1, ...(attachmentName ? { attachmentName } : {}) });
    expect(previewLine(item({ lastMessage: last('Alice', 'hi') }), 'alice')).toBe('You: hi');
    expect(previewLine(item({ lastMessage: last('Bob', 'hi') }), 'alice')).toBe('hi');
    expect(previewLine(item({ kind: 'room', lastMessage: last('Bob', 'hi') }), 'alice')).toBe('Bob: hi');
    expect(previewLine(item({ lastMessage: last('Bob', '', 'plan.pdf') }), 'alice')).toBe('📎 plan.pdf');
    expect(previewLine(item({ kind: 'room' }), 'alice')).toBe('No messages yet');
  });

  it('cuts the preview of a live message to 100 characters on one line', () => {
    expect(lastMessageOf(msg('Bob', 'a', 1, `a\n${'b'.repeat(200)}`)).preview).toBe(`a ${'b'.repeat(98)}`);
  });
});
