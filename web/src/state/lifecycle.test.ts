import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatClient } from '../protocol/client';
import type { ChatMessage, ConversationView, ServerEvent } from '../protocol/frames';
import { parseServerEvent } from '../protocol/parse';
import { FakeSocket, fakeSocketFactory, FakeTokens, flushMicrotasks, msg } from '../test/fakes';
import { initialState, reduce, type Action, type AppState } from './appState';
import { previewLine } from './inboxItems';
import {
  compareEmoji,
  isModerator,
  messagePermissions,
  quoteOf,
  TYPING_INTERVAL_MS,
  TYPING_SHOWN_MS,
  typingLine,
  typingNames,
  TypingThrottle,
  withReaction,
} from './lifecycle';
import { ChatSession, MESSAGE_INDEX_RETRY_MS, type TransportFactory } from './session';

const BOB = 'dm#alice#bob';
const run = (state: AppState, ...actions: Action[]) => actions.reduce(reduce, state);
const server = (event: ServerEvent, at = 0): Action => ({ type: 'server', event, at });

const bobView: ConversationView = {
  conversationId: BOB,
  kind: 'direct',
  with: { username: 'Bob', online: true },
  lastActivityAt: 0,
  unread: 0,
  unreadMore: false,
};

/** Alice with a direct conversation with Bob holding `messages`. */
function withHistory(...messages: ChatMessage[]): AppState {
  return run(
    initialState,
    { type: 'signIn', username: 'alice' },
    { type: 'connection', state: 'online' },
    { type: 'inboxPage', page: { type: 'conversations', conversations: [bobView], nextCursor: null }, first: true },
    server({ type: 'messages', conversationId: BOB, with: 'Bob', messages: [...messages].reverse(), nextCursor: null }),
  );
}

const held = (s: AppState, id: string) => s.conversations[BOB]!.messages.find((m) => m.id === id)!;

describe('message lifecycle in the state', () => {
  const original = msg('Bob', 'alice', 1000, 'Dinner at 7?', { attachment: { key: 'k', name: 'menu.pdf', contentType: 'application/pdf', size: 10 } });
  const reply = msg('alice', 'Bob', 2000, 'Yes!', { replyTo: quoteOf(original) });

  it('an edit changes the text, marks it edited, and the quotes of it and the inbox preview follow', () => {
    const s = run(withHistory(original, reply), server({ type: 'messageEdited', conversationId: BOB, messageId: original.id, text: 'Dinner at 8?', editedAt: 3000 }));
    expect(held(s, original.id)).toMatchObject({ text: 'Dinner at 8?', editedAt: 3000 });
    expect(held(s, reply.id).replyTo).toEqual({ messageId: original.id, from: 'Bob', text: 'Dinner at 8?', attachmentName: 'menu.pdf' });
    expect(held(s, reply.id).text).toBe('Yes!');
  });

  it("an edit of the conversation's last message updates its inbox preview", () => {
    const live = run(withHistory(), server({ type: 'message', message: original }));
    const s = run(live, server({ type: 'messageEdited', conversationId: BOB, messageId: original.id, text: 'Dinner at 9?', editedAt: 3000 }));
    expect(s.inbox.items[BOB]!.lastMessage?.preview).toBe('Dinner at 9?');
  });

  it('a deletion leaves a tombstone (no text, file, reactions or quote) and the quotes say deleted', () => {
    const reacted = { ...reply, reactions: [{ emoji: '👍', count: 1, reacted: false }] };
    let s = run(withHistory(original, reacted), server({ type: 'messageDeleted', conversationId: BOB, messageId: reply.id, deletedAt: 4000, deletedBy: 'alice' }));
    const tomb = held(s, reply.id);
    expect(tomb).toMatchObject({ text: '', deletedAt: 4000, deletedBy: 'alice' });
    expect(tomb.reactions).toBeUndefined();
    expect(tomb.replyTo).toBeUndefined();
    s = run(s, server({ type: 'messageDeleted', conversationId: BOB, messageId: original.id, deletedAt: 5000, deletedBy: 'Bob' }));
    expect(held(s, original.id).attachment).toBeUndefined();
  });

  it('a quote of a deleted message says so, and the inbox shows "Message deleted"', () => {
    const answer = msg('alice', 'Bob', 2500, 'Sure', { replyTo: quoteOf(original) });
    let s = run(withHistory(original), server({ type: 'message', message: answer }));
    s = run(s, server({ type: 'message', message: msg('Bob', 'alice', 2600, 'Great') }));
    const last = s.conversations[BOB]!.messages.at(-1)!;
    s = run(s, server({ type: 'messageDeleted', conversationId: BOB, messageId: original.id, deletedAt: 5000, deletedBy: 'Bob' }));
    expect(held(s, answer.id).replyTo).toEqual({ messageId: original.id, from: 'Bob', text: '', deleted: true });
    s = run(s, server({ type: 'messageDeleted', conversationId: BOB, messageId: last.id, deletedAt: 5100, deletedBy: 'Bob' }));
    expect(s.inbox.items[BOB]!.lastMessage).toMatchObject({ deleted: true, preview: '' });
    expect(previewLine(s.inbox.items[BOB]!, 'alice')).toBe('Message deleted');
  });

  it('an edit arriving after the deletion does not bring the text back', () => {
    let s = run(withHistory(original), server({ type: 'messageDeleted', conversationId: BOB, messageId: original.id, deletedAt: 5000, deletedBy: 'Bob' }));
    s = run(s, server({ type: 'messageEdited', conversationId: BOB, messageId: original.id, text: 'back', editedAt: 4000 }));
    expect(held(s, original.id).text).toBe('');
  });

  it("reactions: the server's count, my flag only from my own reactions, gone at zero", () => {
    const react = (user: string, reacted: boolean, count: number, emoji = '👍'): Action =>
      server({ type: 'reaction', conversationId: BOB, messageId: original.id, emoji, count, user, reacted });
    let s = run(withHistory(original), react('Bob', true, 1));
    expect(held(s, original.id).reactions).toEqual([{ emoji: '👍', count: 1, reacted: false }]);
    s = run(s, react('ALICE', true, 2));
    expect(held(s, original.id).reactions).toEqual([{ emoji: '👍', count: 2, reacted: true }]);
    s = run(s, react('Bob', false, 1));
    expect(held(s, original.id).reactions).toEqual([{ emoji: '👍', count: 1, reacted: true }]);
    s = run(s, react('Bob', true, 1, '❤️'));
    expect(held(s, original.id).reactions?.map((r) => r.emoji)).toEqual(['❤️', '👍']);
    s = run(s, react('alice', false, 0), react('Bob', false, 0, '❤️'));
    expect(held(s, original.id).reactions).toBeUndefined();
  });

  it('orders reactions by code point, as the server does', () => {
    expect(['😂', '❤️', '👍', '🙏'].sort(compareEmoji)).toEqual(['❤️', '👍', '😂', '🙏']);
    expect(withReaction([{ emoji: '😂', count: 1, reacted: true }], { emoji: '❤️', count: 1, user: 'bob', reacted: true }, 'alice')).toEqual([
      { emoji: '❤️', count: 1, reacted: false },
      { emoji: '😂', count: 1, reacted: true },
    ]);
  });

  it('typing shows for a while after the last signal, never for me, and stops when their message arrives', () => {
    const typing = (from: string, at: number) => server({ type: 'typing', conversationId: BOB, from }, at);
    let s = run(withHistory(), typing('Bob', 1000), typing('alice', 1000));
    expect(typingNames(s.typing, BOB)).toEqual(['Bob']);
    s = run(s, { type: 'typingExpired', at: 1000 + TYPING_SHOWN_MS - 1 });
    expect(typingNames(s.typing, BOB)).toEqual(['Bob']);
    s = run(s, { type: 'typingExpired', at: 1000 + TYPING_SHOWN_MS });
    expect(s.typing).toEqual({});
    s = run(s, typing('Bob', 9000), server({ type: 'message', message: msg('Bob', 'alice', 9500, 'hi') }));
    expect(s.typing).toEqual({});
  });

  it('says who types', () => {
    expect(typingLine([])).toBe('');
    expect(typingLine(['alice'])).toBe('alice is typing…');
    expect(typingLine(['alice', 'bob'])).toBe('alice and bob are typing…');
    expect(typingLine(['alice', 'bob', 'carol'])).toBe('Several people are typing…');
  });

  it('allows editing mine, deleting mine or (owner, admin) anyone’s, nothing on a deleted message', () => {
    const bobs = msg('Bob', 'alice', 1, 'x');
    const mine = msg('alice', 'Bob', 2, 'y');
    expect(messagePermissions(mine, 'Alice', false)).toEqual({ react: true, reply: true, edit: true, delete: true });
    expect(messagePermissions(bobs, 'alice', false)).toEqual({ react: true, reply: true, edit: false, delete: false });
    expect(messagePermissions(bobs, 'alice', isModerator('room', 'admin'))).toEqual({ react: true, reply: true, edit: false, delete: true });
    expect(isModerator('room', 'owner')).toBe(true);
    expect(isModerator('room', 'member')).toBe(false);
    expect(isModerator('direct', 'owner')).toBe(false);
    expect(messagePermissions({ ...mine, deletedAt: 3 }, 'alice', true)).toEqual({ react: false, reply: false, edit: false, delete: false });
  });
});

describe('parsing the lifecycle frames', () => {
  it('reads edits, tombstones, quotes and reactions of a message', () => {
    const event = parseServerEvent(
      JSON.stringify({
        type: 'message',
        message: {
          id: 'm2',
          conversationId: BOB,
          from: 'Bob',
          text: 'yes',
          sentAt: 1,
          clientMessageId: 'c',
          editedAt: 5,
          replyTo: { messageId: 'm1', from: 'alice', text: 'ok?' },
          reactions: [{ emoji: '👍', count: 2, reacted: true }],
        },
      }),
    );
    expect(event).toMatchObject({
      message: { editedAt: 5, replyTo: { messageId: 'm1', from: 'alice', text: 'ok?' }, reactions: [{ emoji: '👍', count: 2, reacted: true }] },
    });
    const tomb = parseServerEvent(
      JSON.stringify({ type: 'message', message: { id: 'm3', conversationId: BOB, from: 'Bob', sentAt: 1, deletedAt: 9, deletedBy: 'Bob' } }),
    );
    expect(tomb).toMatchObject({ message: { text: '', deletedAt: 9, deletedBy: 'Bob' } });
  });

  it('reads the new events and refuses malformed ones', () => {
    expect(parseServerEvent('{"type":"reaction","conversationId":"c","messageId":"m","emoji":"👍","count":1,"user":"bob","reacted":true,"requestId":"r1"}')).toEqual({
      type: 'reaction',
      conversationId: 'c',
      messageId: 'm',
      emoji: '👍',
      count: 1,
      user: 'bob',
      reacted: true,
      requestId: 'r1',
    });
    expect(parseServerEvent('{"type":"reaction","conversationId":"c","messageId":"m","emoji":"👍","count":1,"user":"bob"}')).toBeNull();
    expect(parseServerEvent('{"type":"typing","conversationId":"c","from":"bob"}')).toEqual({ type: 'typing', conversationId: 'c', from: 'bob' });
    expect(parseServerEvent('{"type":"messageEdited","conversationId":"c","messageId":"m","text":"t","editedAt":1}')).toMatchObject({ text: 't' });
    expect(parseServerEvent('{"type":"messageDeleted","conversationId":"c","messageId":"m","deletedAt":1}')).toBeNull();
  });
});

describe('the typing throttle', () => {
  it('lets one signal through every 3 s, only for a text not empty that changed', () => {
    const t = new TypingThrottle();
    expect(t.shouldSend(BOB, '   ', 0)).toBe(false);
    expect(t.shouldSend(BOB, 'h', 0)).toBe(true);
    expect(t.shouldSend(BOB, 'he', 1000)).toBe(false);
    expect(t.shouldSend(BOB, 'hel', TYPING_INTERVAL_MS - 1)).toBe(false);
    // Unchanged text (a caret move) is not typing.
    expect(t.shouldSend(BOB, 'hel', TYPING_INTERVAL_MS)).toBe(false);
    expect(t.shouldSend(BOB, 'hell', TYPING_INTERVAL_MS)).toBe(true);
    // Another conversation has its own pace.
    expect(t.shouldSend('room#X', 'a', TYPING_INTERVAL_MS + 1)).toBe(true);
    // After a send (an empty box) the pace goes on: a signal sooner would be dropped by the server.
    expect(t.shouldSend(BOB, '', TYPING_INTERVAL_MS + 2)).toBe(false);
    expect(t.shouldSend(BOB, 'n', TYPING_INTERVAL_MS + 3)).toBe(false);
    expect(t.shouldSend(BOB, 'ne', 2 * TYPING_INTERVAL_MS)).toBe(true);
  });
});

describe('the session', () => {
  const transport: TransportFactory = (options, handlers) => new ChatClient({ ...options, ...handlers, createSocket: fakeSocketFactory, random: () => 0 });

  beforeEach(() => {
    FakeSocket.reset();
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  async function online() {
    let t = 10_000;
    const tokens = new FakeTokens(() => t);
    const session = new ChatSession({ websocketUrl: 'ws://x/local', accessToken: tokens.source, createTransport: transport, now: () => t, newId: () => 'cmid-1' });
    session.start('alice');
    await flushMicrotasks();
    const socket = FakeSocket.last();
    socket.open();
    const inbox = socket.actions().find((a) => a.action === 'getConversations') as { requestId: string };
    socket.receive({ type: 'conversations', conversations: [bobView], nextCursor: null, requestId: inbox.requestId });
    await flushMicrotasks();
    return { session, socket, advance: (ms: number) => ((t += ms), vi.advanceTimersByTime(ms)) };
  }

  it('sends edits, deletions and reactions as requests, and replies with replyTo', async () => {
    const { session, socket } = await online();
    const answered = session.react(BOB, 'm1', '👍', true);
    const sent = socket.actions().at(-1) as { requestId: string };
    expect(sent).toEqual({ action: 'react', conversationId: BOB, messageId: 'm1', emoji: '👍', reacted: true, requestId: expect.any(String) });
    socket.receive({ type: 'reaction', conversationId: BOB, messageId: 'm1', emoji: '👍', count: 1, user: 'alice', reacted: true, requestId: sent.requestId });
    await answered;
    void session.editMessage(BOB, 'm1', '  new  ').catch(() => {});
    expect(socket.actions().at(-1)).toMatchObject({ action: 'editMessage', conversationId: BOB, messageId: 'm1', text: 'new' });
    void session.deleteMessage(BOB, 'm1').catch(() => {});
    expect(socket.actions().at(-1)).toMatchObject({ action: 'deleteMessage', conversationId: BOB, messageId: 'm1' });
    session.sendMessage({ kind: 'direct', id: BOB, with: 'Bob' }, 'yes', undefined, { messageId: 'm1', from: 'Bob', text: 'ok?' });
    expect(socket.actions().at(-1)).toEqual({ action: 'sendMessage', conversationId: BOB, text: 'yes', clientMessageId: 'cmid-1', replyTo: 'm1' });
  });

  it('refuses an empty edit of a text message without asking the server', async () => {
    const { session, socket } = await online();
    const before = socket.sent.length;
    await expect(session.editMessage(BOB, 'm1', '   ')).rejects.toMatchObject({ code: 'empty_text' });
    expect(socket.sent.length).toBe(before);
  });

  it('asks once more a second later about a message held that the server did not find yet', async () => {
    const { session, socket, advance } = await online();
    const mine = msg('alice', 'Bob', 1, 'just sent');
    socket.receive({ type: 'messageAck', duplicate: false, message: mine });
    const edited = session.editMessage(BOB, mine.id, 'just edited');
    const edits = () => socket.actions().filter((a) => a.action === 'editMessage') as { requestId: string }[];
    socket.receive({ type: 'error', code: 'invalid_message_id', message: 'not found', action: 'editMessage', requestId: edits()[0]!.requestId });
    await flushMicrotasks();
    expect(edits()).toHaveLength(1);
    advance(MESSAGE_INDEX_RETRY_MS);
    await flushMicrotasks();
    expect(edits()).toHaveLength(2);
    socket.receive({ type: 'messageEdited', conversationId: BOB, messageId: mine.id, text: 'just edited', editedAt: 2, requestId: edits()[1]!.requestId });
    await edited;
    expect(session.store.getState().conversations[BOB]!.messages[0]).toMatchObject({ text: 'just edited', editedAt: 2 });
    // A message this tab does not hold is not asked about again.
    const refused = session.deleteMessage(BOB, 'unknown');
    const del = socket.actions().at(-1) as { requestId: string };
    socket.receive({ type: 'error', code: 'invalid_message_id', message: 'not found', action: 'deleteMessage', requestId: del.requestId });
    await expect(refused).rejects.toMatchObject({ code: 'invalid_message_id' });
  });

  it('tells a refused reaction in the notice', async () => {
    const { session, socket } = await online();
    const answered = session.react(BOB, 'm1', '👍', true);
    const sent = socket.actions().at(-1) as { requestId: string };
    socket.receive({ type: 'error', code: 'message_deleted', message: 'deleted', action: 'react', requestId: sent.requestId });
    await answered;
    expect(session.store.getState().notice).toEqual({ code: 'message_deleted', message: 'That message was deleted.' });
  });

  it('sends typing at most every 3 s, and "is typing…" ends 6 s after the last signal', async () => {
    const { session, socket, advance } = await online();
    const typings = () => socket.actions().filter((a) => a.action === 'typing').length;
    session.noteTyping(BOB, 'h');
    session.noteTyping(BOB, 'he');
    expect(typings()).toBe(1);
    advance(TYPING_INTERVAL_MS);
    session.noteTyping(BOB, 'hel');
    expect(typings()).toBe(2);

    socket.receive({ type: 'typing', conversationId: BOB, from: 'Bob' });
    expect(typingNames(session.store.getState().typing, BOB)).toEqual(['Bob']);
    advance(TYPING_SHOWN_MS - 100);
    socket.receive({ type: 'typing', conversationId: BOB, from: 'Bob' });
    advance(TYPING_SHOWN_MS - 100);
    expect(typingNames(session.store.getState().typing, BOB)).toEqual(['Bob']);
    advance(100);
    expect(session.store.getState().typing).toEqual({});
  });
});
