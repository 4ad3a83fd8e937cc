import { describe, expect, it } from 'vitest';
import { parseServerEvent } from './parse';

const message = {
  id: '01JDQ8Z7W4K3M2N1P0Q9R8S7T6',
  conversationId: 'dm#alice#bob',
  from: 'Alice',
  to: 'bob',
  text: 'Hi Bob!',
  sentAt: 1764000000000,
  clientMessageId: 'c-1',
};

describe('parseServerEvent', () => {
  it('decodes every event of docs/protocol.md', () => {
    expect(parseServerEvent(JSON.stringify({ type: 'messageAck', duplicate: true, message }))).toEqual({
      type: 'messageAck',
      duplicate: true,
      message,
    });
    expect(parseServerEvent(JSON.stringify({ type: 'message', message }))).toEqual({ type: 'message', message });
    expect(
      parseServerEvent(JSON.stringify({ type: 'messages', conversationId: 'dm#alice#bob', with: 'bob', messages: [message], nextCursor: null })),
    ).toEqual({
      type: 'messages',
      conversationId: 'dm#alice#bob',
      with: 'bob',
      messages: [message],
      nextCursor: null,
    });
    // Retired with getClients (#14): no longer an event.
    expect(parseServerEvent(JSON.stringify({ type: 'clients', users: [{ username: 'Alice', online: true }] }))).toBeNull();
    expect(parseServerEvent('{"type":"presence","user":{"username":"bob","online":false,"lastSeen":7}}')).toEqual({
      type: 'presence',
      user: { username: 'bob', online: false, lastSeen: 7 },
    });
    expect(parseServerEvent('{"type":"pong"}')).toEqual({ type: 'pong' });
    expect(
      parseServerEvent(
        JSON.stringify({ type: 'error', code: 'text_too_long', message: 'too long', action: 'sendMessage', clientMessageId: 'c-1' }),
      ),
    ).toEqual({ type: 'error', code: 'text_too_long', message: 'too long', action: 'sendMessage', clientMessageId: 'c-1' });
  });

  it('refuses malformed frames', () => {
    expect(parseServerEvent('not json')).toBeNull();
    expect(parseServerEvent('[]')).toBeNull();
    expect(parseServerEvent('{"type":"nope"}')).toBeNull();
    expect(parseServerEvent('{"type":"message","message":{"id":1}}')).toBeNull();
    expect(
      parseServerEvent(JSON.stringify({ type: 'messages', conversationId: 'dm#alice#bob', messages: [message, { id: 'x' }], nextCursor: null })),
    ).toBeNull();
    expect(parseServerEvent('{"type":"presence","user":{"username":"bob"}}')).toBeNull();
    expect(parseServerEvent('{"type":"error"}')).toBeNull();
  });

  it('files a history page under its conversationId; `with` comes only with a direct conversation', () => {
    const page = { type: 'messages', conversationId: 'dm#alice#bob', messages: [], nextCursor: 'C1' };
    expect(parseServerEvent(JSON.stringify(page))).toEqual(page);
    expect(parseServerEvent(JSON.stringify({ ...page, conversationId: undefined, with: 'bob' }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ ...page, conversationId: '' }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ ...page, with: 7 }))).toBeNull();
  });

  it('decodes attachments, avatar keys and an empty text beside an attachment', () => {
    const attachment = { key: 'attachments/dm/alice/bob/alice/01J.png', name: 'cat.png', contentType: 'image/png', size: 48213 };
    expect(parseServerEvent(JSON.stringify({ type: 'message', message: { ...message, text: '', attachment } }))).toEqual({
      type: 'message',
      message: { ...message, text: '', attachment },
    });
    // "text" may also be absent when there is an attachment.
    const { text: _text, ...noText } = message;
    expect(parseServerEvent(JSON.stringify({ type: 'message', message: { ...noText, attachment } }))).toEqual({
      type: 'message',
      message: { ...message, text: '', attachment },
    });
    expect(parseServerEvent(JSON.stringify({ type: 'message', message: { ...message, attachment: null } }))).toEqual({ type: 'message', message });
    expect(
      parseServerEvent(JSON.stringify({ type: 'watched', conversationId: 'room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6', users: [{ username: 'Alice', online: true, avatarKey: 'avatars/alice/01J.png' }, { username: 'bob', online: false, avatarKey: null }] })),
    ).toEqual({ type: 'watched', conversationId: 'room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6', users: [{ username: 'Alice', online: true, avatarKey: 'avatars/alice/01J.png' }, { username: 'bob', online: false }] });
  });

  it('refuses a message with a malformed attachment, or without text and attachment', () => {
    const { text: _text, ...noText } = message;
    expect(parseServerEvent(JSON.stringify({ type: 'message', message: noText }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ type: 'message', message: { ...message, attachment: { key: 'k', name: 'a' } } }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ type: 'message', message: { ...message, attachment: { key: '', name: 'a', contentType: 'text/plain', size: 1 } } }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ type: 'presence', user: { username: 'bob', online: true, avatarKey: 7 } }))).toBeNull();
  });

  it('decodes profile, uploadUrl and downloadUrls, and the requestId of an error', () => {
    expect(parseServerEvent(JSON.stringify({ type: 'profile', user: { username: 'Alice', online: true, avatarKey: 'avatars/alice/01J.png' } }))).toEqual({
      type: 'profile',
      user: { username: 'Alice', online: true, avatarKey: 'avatars/alice/01J.png' },
    });
    expect(parseServerEvent(JSON.stringify({ type: 'profile', requestId: 'r-1', user: { username: 'Alice', online: true } }))).toEqual({
      type: 'profile',
      requestId: 'r-1',
      user: { username: 'Alice', online: true },
    });
    const upload = {
      type: 'uploadUrl',
      requestId: 'u-1',
      purpose: 'attachment',
      key: 'attachments/dm/alice/bob/alice/01J.png',
      url: 'https://media.s3.eu-west-1.amazonaws.com/attachments/dm/alice/bob/alice/01J.png?X-Amz-Expires=300',
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      contentType: 'image/png',
      size: 48213,
      expiresAt: 1764000300000,
    };
    expect(parseServerEvent(JSON.stringify(upload))).toEqual(upload);
    const download = { type: 'downloadUrls', requestId: 'd-1', urls: { 'avatars/bob/01J.png': 'http://127.0.0.1:8709/media/avatars/bob/01J.png?sig' }, expiresAt: 1764000600000 };
    expect(parseServerEvent(JSON.stringify(download))).toEqual(download);
    expect(parseServerEvent(JSON.stringify({ type: 'error', code: 'forbidden_media', message: 'no', action: 'getDownloadUrl', requestId: 'd-1' }))).toEqual({
      type: 'error',
      code: 'forbidden_media',
      message: 'no',
      action: 'getDownloadUrl',
      requestId: 'd-1',
    });
  });

  it('refuses malformed media answers', () => {
    const upload = { type: 'uploadUrl', purpose: 'avatar', key: 'avatars/a/1.png', url: 'https://x/1', method: 'PUT', headers: {}, contentType: 'image/png', size: 1, expiresAt: 1 };
    expect(parseServerEvent(JSON.stringify(upload))).not.toBeNull();
    expect(parseServerEvent(JSON.stringify({ ...upload, purpose: 'other' }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ ...upload, url: 'javascript:alert(1)' }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ ...upload, headers: { 'content-type': 1 } }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ ...upload, expiresAt: 'soon' }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ type: 'downloadUrls', urls: { k: 'data:text/html,x' }, expiresAt: 1 }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ type: 'downloadUrls', urls: [], expiresAt: 1 }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ type: 'profile', user: { online: true } }))).toBeNull();
  });
});

const ROOM = 'room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6';
const room = { conversationId: ROOM, name: 'Project', memberCount: 3, createdBy: 'alice', createdAt: 1764000000000 };

describe('parseServerEvent: rooms, inbox, read state, directory (#14)', () => {
  it('decodes a room message, which has no `to`', () => {
    const { to: _to, ...roomMessage } = { ...message, conversationId: ROOM };
    expect(parseServerEvent(JSON.stringify({ type: 'message', message: roomMessage }))).toEqual({ type: 'message', message: roomMessage });
    expect(parseServerEvent(JSON.stringify({ type: 'message', message: { ...roomMessage, to: 7 } }))).toBeNull();
  });

  it('decodes room and membership events with their requestId', () => {
    expect(parseServerEvent(JSON.stringify({ type: 'room', room, requestId: 'r1' }))).toEqual({ type: 'room', room, requestId: 'r1' });
    expect(parseServerEvent(JSON.stringify({ type: 'membership', conversationId: ROOM, room, change: 'added', users: ['bob', 'carol'], by: 'alice' }))).toEqual({
      type: 'membership',
      conversationId: ROOM,
      room,
      change: 'added',
      users: ['bob', 'carol'],
      by: 'alice',
    });
    expect(parseServerEvent(JSON.stringify({ type: 'membership', conversationId: ROOM, room, change: 'role', role: 'admin', users: ['bob'], by: 'alice', requestId: 'r2' }))).toEqual({
      type: 'membership',
      conversationId: ROOM,
      room,
      change: 'role',
      role: 'admin',
      users: ['bob'],
      by: 'alice',
      requestId: 'r2',
    });
  });

  it('refuses malformed room and membership events', () => {
    expect(parseServerEvent(JSON.stringify({ type: 'room', room: { ...room, memberCount: -1 } }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ type: 'room', room: { ...room, name: 7 } }))).toBeNull();
    const membership = { type: 'membership', conversationId: ROOM, room, change: 'added', users: ['bob'], by: 'alice' };
    expect(parseServerEvent(JSON.stringify({ ...membership, change: 'kicked' }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ ...membership, change: 'role' }))).toBeNull(); // a role change names the role
    expect(parseServerEvent(JSON.stringify({ ...membership, change: 'role', role: 'king' }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ ...membership, users: [''] }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ ...membership, conversationId: 'room#OTHER' }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ ...membership, by: undefined }))).toBeNull();
  });

  it('decodes members with roles, read points and presence', () => {
    const members = [
      { username: 'alice', role: 'owner', readMessageId: '01JDQ8Z7W4K3M2N1P0Q9R8S7T6', online: true },
      { username: 'Bob', role: 'member', online: false, lastSeen: 5, avatarKey: 'avatars/bob/1.png' },
    ];
    expect(parseServerEvent(JSON.stringify({ type: 'members', conversationId: ROOM, members, nextCursor: 'M1', requestId: 'r3' }))).toEqual({
      type: 'members',
      conversationId: ROOM,
      members,
      nextCursor: 'M1',
      requestId: 'r3',
    });
    expect(parseServerEvent(JSON.stringify({ type: 'members', conversationId: ROOM, members: [{ username: 'bob', role: 'boss', online: true }], nextCursor: null }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ type: 'members', conversationId: ROOM, members: [{ username: 'bob', role: 'member' }], nextCursor: null }))).toBeNull();
  });

  it('decodes an inbox page: a direct conversation with its user, a room with its name, counts and read points', () => {
    const direct = {
      conversationId: 'dm#alice#bob',
      kind: 'direct',
      with: { username: 'Bob', online: true },
      lastMessage: { messageId: '01B', from: 'Bob', preview: 'hi', sentAt: 10 },
      lastActivityAt: 10,
      unread: 2,
      unreadMore: false,
      readMessageId: '01A',
      otherReadMessageId: '01B',
    };
    const roomItem = {
      conversationId: ROOM,
      kind: 'room',
      name: 'Project',
      memberCount: 3,
      role: 'admin',
      lastMessage: { messageId: '01C', from: 'carol', preview: '', attachmentName: 'plan.pdf', sentAt: 5 },
      lastActivityAt: 5,
      unread: 99,
      unreadMore: true,
    };
    expect(parseServerEvent(JSON.stringify({ type: 'conversations', conversations: [direct, roomItem], nextCursor: 'N1', requestId: 'r4' }))).toEqual({
      type: 'conversations',
      conversations: [direct, roomItem],
      nextCursor: 'N1',
      requestId: 'r4',
    });
    expect(parseServerEvent(JSON.stringify({ type: 'conversations', conversations: [], nextCursor: null }))).toEqual({ type: 'conversations', conversations: [], nextCursor: null });
  });

  it('refuses a malformed inbox item', () => {
    const page = (item: object) => JSON.stringify({ type: 'conversations', conversations: [item], nextCursor: null });
    const base = { conversationId: ROOM, kind: 'room', name: 'P', lastActivityAt: 1, unread: 0, unreadMore: false };
    expect(parseServerEvent(page(base))).not.toBeNull();
    expect(parseServerEvent(page({ ...base, kind: 'group' }))).toBeNull();
    expect(parseServerEvent(page({ ...base, unread: -1 }))).toBeNull();
    expect(parseServerEvent(page({ ...base, name: undefined }))).toBeNull(); // a room has a name
    expect(parseServerEvent(page({ ...base, kind: 'direct', conversationId: 'dm#a#b' }))).toBeNull(); // a direct one has its user
    expect(parseServerEvent(page({ ...base, role: 'king' }))).toBeNull();
    expect(parseServerEvent(page({ ...base, lastMessage: { from: 'x', sentAt: 1 } }))).toBeNull();
  });

  it('decodes readState, people and watched', () => {
    expect(parseServerEvent(JSON.stringify({ type: 'readState', conversationId: ROOM, username: 'alice', messageId: '01C', requestId: 'r5' }))).toEqual({
      type: 'readState',
      conversationId: ROOM,
      username: 'alice',
      messageId: '01C',
      requestId: 'r5',
    });
    expect(parseServerEvent(JSON.stringify({ type: 'readState', conversationId: ROOM, username: 'alice' }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ type: 'people', users: [{ username: 'bob' }, { username: 'Bobby', avatarKey: 'avatars/bobby/1.png' }], nextCursor: 'P1' }))).toEqual({
      type: 'people',
      users: [{ username: 'bob' }, { username: 'Bobby', avatarKey: 'avatars/bobby/1.png' }],
      nextCursor: 'P1',
    });
    expect(parseServerEvent(JSON.stringify({ type: 'people', users: [{ username: '' }], nextCursor: null }))).toBeNull();
    expect(parseServerEvent(JSON.stringify({ type: 'watched', users: [], requestId: 'r6' }))).toBeNull(); // names its conversation
  });
});
