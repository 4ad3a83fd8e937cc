import { describe, expect, it } from 'vitest';
import { msg } from '../test/fakes';
import { directReceipt, receiptLabel, roomReceipt } from './readReceipts';

describe('read receipts', () => {
  const mine1 = msg('alice', 'bob', 100);
  const theirs = msg('bob', 'alice', 200);
  const mine2 = msg('Alice', 'bob', 300);
  const messages = [mine1, theirs, mine2];

  it('"Seen" goes under the newest of my messages the other user has read', () => {
    expect(directReceipt(messages, 'alice', undefined)).toBeNull();
    expect(directReceipt(messages, 'alice', mine1.id)).toEqual({ kind: 'seen', messageId: mine1.id });
    expect(directReceipt(messages, 'alice', theirs.id)).toEqual({ kind: 'seen', messageId: mine1.id });
    expect(directReceipt(messages, 'alice', mine2.id)).toEqual({ kind: 'seen', messageId: mine2.id });
    expect(directReceipt([theirs], 'alice', theirs.id)).toBeNull();
  });

  it('"Read by N" goes under my newest message, counting the others who read it', () => {
    const members = [
      { username: 'alice', role: 'owner' as const, readMessageId: mine2.id },
      { username: 'bob', role: 'member' as const, readMessageId: mine2.id },
      { username: 'carol', role: 'member' as const, readMessageId: mine1.id },
    ];
    const receipt = roomReceipt(messages, 'alice', members);
    expect(receipt).toEqual({ kind: 'readBy', messageId: mine2.id, count: 1, names: ['bob'] });
    expect(receiptLabel(receipt!)).toBe('Read by 1');
    expect(roomReceipt(messages, 'alice', members.slice(0, 1))).toBeNull();
    expect(roomReceipt(messages, 'alice', undefined)).toBeNull();
    expect(receiptLabel({ kind: 'seen', messageId: 'x' })).toBe('Seen');
  });
});
