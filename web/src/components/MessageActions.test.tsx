// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatMessage } from '../protocol/frames';
import { msg } from '../test/fakes';
import { Composer } from './Composer';
import type { MessageHandlers } from './MessageActions';
import { MessageBubble } from './MessageList';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

/** A touch screen (pointer: coarse) or a mouse. */
function pointer(kind: 'coarse' | 'fine') {
  vi.spyOn(window, 'matchMedia').mockImplementation(
    (query: string) =>
      ({ matches: query === '(pointer: coarse)' && kind === 'coarse', media: query, addEventListener() {}, removeEventListener() {} }) as unknown as MediaQueryList,
  );
}

function handlers(extra: Partial<MessageHandlers> = {}): MessageHandlers {
  return {
    me: 'alice',
    moderator: false,
    onReact: vi.fn(),
    onReply: vi.fn(),
    onEdit: vi.fn(async () => {}),
    onDelete: vi.fn(async () => {}),
    ...extra,
  };
}

function bubble(message: ChatMessage, h: MessageHandlers, onShow = vi.fn()) {
  const mine = message.from.toLowerCase() === h.me;
  return render(
    <ol>
      <MessageBubble
        item={{ kind: 'message', key: message.id, from: message.from, at: message.sentAt, message }}
        mine={mine}
        receipt={null}
        onRetry={() => {}}
        onDiscard={() => {}}
        handlers={h}
        onShow={onShow}
      />
    </ol>,
  );
}

const toolbar = () => screen.getByRole('toolbar', { name: 'Message actions' });

describe('message actions', () => {
  it('with a mouse: a toolbar shown on hover or focus; edit and delete only for my own messages', () => {
    pointer('fine');
    bubble(msg('Bob', 'alice', 1, 'hi'), handlers());
    expect(toolbar().className).toMatch(/pointer-events-none opacity-0 group-hover\/message:pointer-events-auto group-hover\/message:opacity-100/);
    expect(toolbar().className).toMatch(/focus-within:opacity-100/);
    expect(within(toolbar()).getByRole('button', { name: 'React' })).toBeTruthy();
    expect(within(toolbar()).getByRole('button', { name: 'Reply' })).toBeTruthy();
    expect(within(toolbar()).queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(within(toolbar()).queryByRole('button', { name: 'Delete' })).toBeNull();
    cleanup();
    bubble(msg('alice', 'Bob', 1, 'mine'), handlers());
    expect(within(toolbar()).getByRole('button', { name: 'Edit' })).toBeTruthy();
    expect(within(toolbar()).getByRole('button', { name: 'Delete' })).toBeTruthy();
  });

  it("lets a room's moderator delete someone else's message, but not edit it", () => {
    pointer('fine');
    bubble(msg('Bob', 'alice', 1, 'spam'), handlers({ moderator: true }));
    expect(within(toolbar()).getByRole('button', { name: 'Delete' })).toBeTruthy();
    expect(within(toolbar()).queryByRole('button', { name: 'Edit' })).toBeNull();
  });

  it('on a touch screen: a visible "⋯" button opens them, and closes them again', () => {
    pointer('coarse');
    bubble(msg('Bob', 'alice', 1, 'hi'), handlers());
    expect(screen.queryByRole('toolbar')).toBeNull();
    const toggle = screen.getByRole('button', { name: 'Show message actions' });
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(within(toolbar()).getByRole('button', { name: 'Reply' })).toBeTruthy();
    fireEvent.click(toggle);
    expect(screen.queryByRole('toolbar')).toBeNull();
  });

  it('a deleted message is a tombstone without actions, text or reactions', () => {
    pointer('fine');
    bubble({ ...msg('alice', 'Bob', 1, ''), deletedAt: 2, deletedBy: 'alice' }, handlers());
    expect(screen.getByTestId('message-deleted').textContent).toBe('Message deleted');
    expect(screen.queryByRole('toolbar')).toBeNull();
    expect(screen.queryByTestId('message-bubble')).toBeNull();
  });

  it('quick reactions send the opposite of what is shown, and so does a chip', () => {
    pointer('fine');
    const h = handlers();
    const m = { ...msg('Bob', 'alice', 1, 'hi'), reactions: [{ emoji: '👍', count: 2, reacted: true }] };
    bubble(m, h);
    fireEvent.click(within(toolbar()).getByRole('button', { name: 'React' }));
    expect(within(toolbar()).getByRole('button', { name: 'React with 👍' }).getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(within(toolbar()).getByRole('button', { name: 'React with 😂' }));
    expect(h.onReact).toHaveBeenLastCalledWith(m.id, '😂', true);
    const chip = within(screen.getByRole('group', { name: 'Reactions' })).getByRole('button', { name: '👍 2' });
    expect(chip.getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(chip);
    expect(h.onReact).toHaveBeenLastCalledWith(m.id, '👍', false);
  });

  it('Reply hands the message to the conversation', () => {
    pointer('fine');
    const h = handlers();
    const m = msg('Bob', 'alice', 1, 'question?');
    bubble(m, h);
    fireEvent.click(within(toolbar()).getByRole('button', { name: 'Reply' }));
    expect(h.onReply).toHaveBeenCalledWith(m);
  });

  it('a quote shows its author and text (or "Message deleted"), and a click shows the original', () => {
    pointer('fine');
    const onShow = vi.fn();
    bubble({ ...msg('Bob', 'alice', 2, 'yes'), replyTo: { messageId: 'm1', from: 'alice', text: 'ok?' } }, handlers(), onShow);
    const quote = screen.getByTestId('message-quote');
    expect(quote.textContent).toBe('aliceok?');
    fireEvent.click(quote);
    expect(onShow).toHaveBeenCalledWith('m1');
    cleanup();
    bubble({ ...msg('Bob', 'alice', 2, 'yes'), replyTo: { messageId: 'm1', from: 'alice', text: '', deleted: true } }, handlers());
    expect(screen.getByTestId('message-quote-text').textContent).toBe('Message deleted');
  });
});

describe('edit in place', () => {
  function editing(message: ChatMessage, h = handlers()) {
    pointer('fine');
    bubble(message, h);
    fireEvent.click(within(toolbar()).getByRole('button', { name: 'Edit' }));
    return { h, box: screen.getByRole('textbox', { name: 'Edit message' }) as HTMLTextAreaElement };
  }

  it('Enter saves the new text; "edited" shows the time in its title', async () => {
    const m = msg('alice', 'Bob', 1, 'See you at 6');
    const { h, box } = editing(m);
    expect(box.value).toBe('See you at 6');
    fireEvent.change(box, { target: { value: 'See you at 7' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(h.onEdit).toHaveBeenCalledWith(m.id, 'See you at 7');
    await waitFor(() => expect(screen.queryByRole('textbox', { name: 'Edit message' })).toBeNull());
    cleanup();
    bubble({ ...m, text: 'See you at 7', editedAt: Date.UTC(2026, 0, 2, 15, 4) }, h);
    const mark = screen.getByTestId('message-edited');
    expect(mark.textContent).toBe('edited');
    expect(mark.getAttribute('title')).toMatch(/^Edited .*2026/);
  });

  it('Shift+Enter is a new line, Escape cancels without a request', () => {
    const { h, box } = editing(msg('alice', 'Bob', 1, 'hello'));
    fireEvent.change(box, { target: { value: 'hello there' } });
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(h.onEdit).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(screen.queryByRole('textbox', { name: 'Edit message' })).toBeNull();
    expect(screen.getByTestId('message-text').textContent).toBe('hello');
    expect(h.onEdit).not.toHaveBeenCalled();
  });

  it('refuses an empty text (delete instead), and shows a refusal of the server', async () => {
    const h = handlers({ onEdit: vi.fn(async () => Promise.reject(new Error('That message was deleted.'))) });
    const { box } = editing(msg('alice', 'Bob', 1, 'hello'), h);
    fireEvent.change(box, { target: { value: '   ' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(h.onEdit).not.toHaveBeenCalled();
    expect(screen.getByRole('alert').textContent).toMatch(/cannot be empty/);
    fireEvent.change(box, { target: { value: 'changed' } });
    await act(async () => fireEvent.keyDown(box, { key: 'Enter' }));
    expect(h.onEdit).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('That message was deleted.'));
  });
});

describe('delete', () => {
  it('asks first; Cancel keeps the message, Delete deletes it', async () => {
    pointer('fine');
    const h = handlers();
    const m = msg('alice', 'Bob', 1, 'oops');
    bubble(m, h);
    fireEvent.click(within(toolbar()).getByRole('button', { name: 'Delete' }));
    const dialog = screen.getByTestId('delete-message-dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByTestId('delete-message-dialog')).toBeNull();
    expect(h.onDelete).not.toHaveBeenCalled();
    fireEvent.click(within(toolbar()).getByRole('button', { name: 'Delete' }));
    await act(async () => fireEvent.click(screen.getByTestId('delete-message-dialog-confirm')));
    expect(h.onDelete).toHaveBeenCalledWith(m.id);
    await waitFor(() => expect(screen.queryByTestId('delete-message-dialog')).toBeNull());
  });
});

describe('the composer and replies, typing', () => {
  it('shows the quote bar with a cancel button; Escape cancels too', () => {
    pointer('fine');
    const onCancelReply = vi.fn();
    render(<Composer to="Bob" onSend={() => true} reply={{ messageId: 'm1', from: 'Bob', text: 'Dinner?' }} onCancelReply={onCancelReply} />);
    const bar = screen.getByRole('group', { name: 'Replying to Bob' });
    expect(within(bar).getByTestId('reply-bar-text').textContent).toBe('Dinner?');
    fireEvent.click(within(bar).getByRole('button', { name: 'Cancel reply' }));
    expect(onCancelReply).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(screen.getByLabelText('Message'), { key: 'Escape' });
    expect(onCancelReply).toHaveBeenCalledTimes(2);
  });

  it('reports every change of the text as typing', () => {
    pointer('fine');
    const onTyping = vi.fn();
    render(<Composer to="Bob" onSend={() => true} onTyping={onTyping} />);
    fireEvent.change(screen.getByLabelText('Message'), { target: { value: 'h' } });
    expect(onTyping).toHaveBeenCalledWith('h');
  });
});
