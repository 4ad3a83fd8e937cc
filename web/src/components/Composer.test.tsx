// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Composer } from './Composer';

afterEach(cleanup);

function setup() {
  const onSend = vi.fn((_text: string) => true);
  render(<Composer to="Bob" onSend={onSend} />);
  const input = screen.getByLabelText('Message') as HTMLTextAreaElement;
  const send = screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement;
  return { onSend, input, send };
}

describe('Composer', () => {
  it('Enter sends and clears; Shift+Enter does not send', () => {
    const { onSend, input } = setup();
    fireEvent.change(input, { target: { value: 'hello' } });
    fireEvent.keyDown(input, { key: 'Enter', shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('hello');
    expect(input.value).toBe('');
  });

  it('disables Send when empty or over the limit, with a counter', () => {
    const { onSend, input, send } = setup();
    expect(send.disabled).toBe(true);
    expect(screen.getByTestId('char-counter').textContent).toBe('0/4000');
    fireEvent.change(input, { target: { value: '   ' } });
    expect(send.disabled).toBe(true);
    fireEvent.change(input, { target: { value: 'x'.repeat(4000) } });
    expect(send.disabled).toBe(false);
    expect(screen.getByTestId('char-counter').textContent).toBe('4000/4000');
    fireEvent.change(input, { target: { value: 'x'.repeat(4001) } });
    expect(send.disabled).toBe(true);
    expect(screen.getByRole('alert').textContent).toMatch(/at most 4000/);
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
  });

  it('inserts an emoji from the picker', () => {
    const { input } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Insert emoji' }));
    fireEvent.click(screen.getByRole('button', { name: 'Insert 🎉' }));
    expect(input.value).toBe('🎉');
    expect(screen.getByTestId('char-counter').textContent).toBe('1/4000');
  });
});
