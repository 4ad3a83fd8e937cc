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
    expect(
      parseServerEvent(
        JSON.stringify({ type: 'clients', users: [{ username: 'Alice', online: true }, { username: 'bob', online: false, lastSeen: 5 }] }),
      ),
    ).toEqual({ type: 'clients', users: [{ username: 'Alice', online: true }, { username: 'bob', online: false, lastSeen: 5 }] });
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
      parseServerEvent(JSON.stringify({ type: 'clients', users: [{ username: 'Alice', online: true, avatarKey: 'avatars/alice/01J.png' }, { username: 'bob', online: false, avatarKey: null }] })),
    ).toEqual({ type: 'clients', users: [{ username: 'Alice', online: true, avatarKey: 'avatars/alice/01J.png' }, { username: 'bob', online: false }] });
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
