import { describe, expect, it } from 'vitest';
import { directConversation, directConversationId } from './conversations';

describe('direct conversation ids (as the server names them)', () => {
  it('are dm#<a>#<b> with the lowercase names in order', () => {
    expect(directConversationId('alice', 'bob')).toBe('dm#alice#bob');
  });

  it('are the same whichever of the two asks', () => {
    expect(directConversationId('bob', 'alice')).toBe('dm#alice#bob');
    expect(directConversationId('zed', 'Anna.b')).toBe(directConversationId('Anna.b', 'zed'));
  });

  it('ignore the case of the names', () => {
    expect(directConversationId('Alice', 'BOB')).toBe('dm#alice#bob');
    expect(directConversationId('ALICE', 'bob')).toBe(directConversationId('alice', 'Bob'));
  });

  it('order by string order of the lowercase names, not by their display form', () => {
    // 'Bob' < 'alice' in code units, but 'alice' < 'bob'.
    expect(directConversationId('Bob', 'alice')).toBe('dm#alice#bob');
    expect(directConversationId('b_1', 'b-1')).toBe('dm#b-1#b_1');
  });

  it('a direct conversation keeps the other user as named', () => {
    expect(directConversation('alice', 'Bob')).toEqual({ kind: 'direct', id: 'dm#alice#bob', with: 'Bob' });
  });
});
