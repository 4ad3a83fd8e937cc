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
    expect(parseServerEvent(JSON.stringify({ type: 'messages', with: 'bob', messages: [message], nextCursor: null }))).toEqual({
      type: 'messages',
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
    expect(parseServerEvent(JSON.stringify({ type: 'messages', with: 'bob', messages: [message, { id: 'x' }], nextCursor: null }))).toBeNull();
    expect(parseServerEvent('{"type":"presence","user":{"username":"bob"}}')).toBeNull();
    expect(parseServerEvent('{"type":"error"}')).toBeNull();
  });
});
