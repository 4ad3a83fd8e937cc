import { describe, expect, it } from 'vitest';
import { directConversationId } from '../protocol/conversations';
import { msg } from '../test/fakes';
import { alertsFor, conversationTag, messagePreview, notificationContent, PREVIEW_LENGTH, type AlertContext } from './alertRules';

const BOB = directConversationId('alice', 'Bob');
const CAROL = directConversationId('alice', 'Carol');

/** Alice, reading her conversation with Bob in a visible tab, notifications allowed, sound on. */
const reading: AlertContext = { me: 'alice', openConversationId: BOB, tabVisible: true, permission: 'granted', soundOn: true };

describe('alertsFor', () => {
  it('alerts for a message in a conversation that is not on screen', () => {
    expect(alertsFor(msg('Carol', 'alice', 1, 'hi'), reading)).toEqual({ desktop: true, sound: true });
    expect(alertsFor(msg('Carol', 'alice', 1, 'hi'), { ...reading, openConversationId: null })).toEqual({ desktop: true, sound: true });
  });

  it('stays quiet for the conversation on screen while the tab is visible', () => {
    expect(alertsFor(msg('Bob', 'alice', 1, 'hi'), reading)).toEqual({ desktop: false, sound: false });
  });

  it('alerts for the open conversation when the tab is hidden', () => {
    expect(alertsFor(msg('Bob', 'alice', 1, 'hi'), { ...reading, tabVisible: false })).toEqual({ desktop: true, sound: true });
  });

  it('never alerts for my own messages (sent from another tab), whatever the case of the name', () => {
    const hidden = { ...reading, tabVisible: false, openConversationId: null };
    expect(alertsFor(msg('alice', 'Carol', 1, 'from my phone'), hidden)).toEqual({ desktop: false, sound: false });
    expect(alertsFor(msg('Alice', 'Carol', 1, 'from my phone'), hidden)).toEqual({ desktop: false, sound: false });
  });

  it('shows a notification only with permission granted; the sound does not need it', () => {
    const m = msg('Carol', 'alice', 1, 'hi');
    expect(alertsFor(m, { ...reading, permission: 'default' })).toEqual({ desktop: false, sound: true });
    expect(alertsFor(m, { ...reading, permission: 'denied' })).toEqual({ desktop: false, sound: true });
    expect(alertsFor(m, { ...reading, permission: 'unsupported' })).toEqual({ desktop: false, sound: true });
  });

  it('plays no sound unless it is switched on', () => {
    expect(alertsFor(msg('Carol', 'alice', 1, 'hi'), { ...reading, soundOn: false })).toEqual({ desktop: true, sound: false });
  });

  it('does nothing when signed out', () => {
    expect(alertsFor(msg('Carol', 'alice', 1, 'hi'), { ...reading, me: null })).toEqual({ desktop: false, sound: false });
  });
});

describe('notification content', () => {
  it('names the sender, previews the text on one line and has one tag per conversation', () => {
    const n = notificationContent(msg('Carol', 'alice', 1, '  Lunch?\n\nAt  noon '));
    expect(n).toEqual({ title: 'Carol', body: 'Lunch? At noon', tag: conversationTag(CAROL) });
    expect(notificationContent(msg('Carol', 'alice', 2, 'again')).tag).toBe(n.tag);
    expect(notificationContent(msg('Bob', 'alice', 3, 'other')).tag).not.toBe(n.tag);
  });

  it('cuts a long text with an ellipsis, without splitting an emoji', () => {
    const long = 'a'.repeat(PREVIEW_LENGTH - 2) + '🎉🎉🎉';
    const preview = messagePreview(msg('Carol', 'alice', 1, long));
    expect([...preview]).toHaveLength(PREVIEW_LENGTH);
    expect(preview).toBe(`${'a'.repeat(PREVIEW_LENGTH - 2)}🎉…`);
    expect(messagePreview(msg('Carol', 'alice', 1, 'b'.repeat(PREVIEW_LENGTH)))).toBe('b'.repeat(PREVIEW_LENGTH));
  });

  it('says "sent an attachment" for a file without text, and shows the text when there is one', () => {
    const attachment = { key: 'attachments/x.png', name: 'x.png', contentType: 'image/png', size: 10 };
    expect(messagePreview(msg('Carol', 'alice', 1, '', { attachment }))).toBe('sent an attachment');
    expect(messagePreview(msg('Carol', 'alice', 1, 'look', { attachment }))).toBe('look');
  });
});
