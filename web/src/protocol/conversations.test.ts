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

import { conversationOfRef, conversationTitle, directPartnerKey, isRoomId, isUlid, refOf, roomConversation, roomConversationId, roomUlid } from './conversations';

describe('room conversation ids', () => {
  const ULID = '01JDQ8Z7W4K3M2N1P0Q9R8S7T6';

  it('are room#<ULID> (26 characters of Crockford base32, upper-case)', () => {
    expect(roomConversationId(ULID)).toBe(`room#${ULID}`);
    expect(isRoomId(`room#${ULID}`)).toBe(true);
    expect(roomUlid(`room#${ULID}`)).toBe(ULID);
    expect(isUlid(ULID.toLowerCase())).toBe(false);
    expect(isUlid(`${ULID}0`)).toBe(false);
    expect(isUlid('01JDQ8Z7W4K3M2N1P0Q9R8S7TU')).toBe(false); // U is not in Crockford's alphabet
    expect(isRoomId('dm#alice#bob')).toBe(false);
    expect(roomUlid('dm#alice#bob')).toBeNull();
  });

  it('the partner of a direct id, seen from me; none for a room or someone else\'s', () => {
    expect(directPartnerKey('dm#alice#bob', 'Alice')).toBe('bob');
    expect(directPartnerKey('dm#alice#bob', 'bob')).toBe('alice');
    expect(directPartnerKey('dm#alice#bob', 'carol')).toBeNull();
    expect(directPartnerKey(`room#${ULID}`, 'alice')).toBeNull();
  });

  it('references (URL, notification) to conversations and back', () => {
    expect(conversationOfRef({ kind: 'direct', with: 'Bob' }, 'alice')).toEqual({ kind: 'direct', id: 'dm#alice#bob', with: 'Bob' });
    expect(conversationOfRef({ kind: 'room', id: `room#${ULID}` }, 'alice', 'Project')).toEqual({ kind: 'room', id: `room#${ULID}`, name: 'Project' });
    expect(refOf(roomConversation(`room#${ULID}`, 'P'))).toEqual({ kind: 'room', id: `room#${ULID}` });
    expect(conversationTitle(roomConversation(`room#${ULID}`))).toBe('Room');
  });
});
