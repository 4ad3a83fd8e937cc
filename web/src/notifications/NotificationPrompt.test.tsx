// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NotificationPrefs, type NotificationApi, type PrefsStorage } from './notificationPrefs';
import { NotificationPrompt } from './NotificationPrompt';

afterEach(cleanup);

function setup(answer: NotificationPermission) {
  const items = new Map<string, string>();
  const storage: PrefsStorage = { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
  const api = { permission: 'default' as NotificationPermission, requestPermission: vi.fn(async () => (api.permission = answer)) };
  const prefs = new NotificationPrefs({ storage, api: api as unknown as NotificationApi });
  render(<NotificationPrompt prefs={prefs} />);
  return { prefs, api, storage };
}

const prompt = () => screen.queryByTestId('notification-prompt');

describe('NotificationPrompt', () => {
  it('is not there at load, appears after the first message sent, and "Turn on" asks the browser', async () => {
    const { prefs, api } = setup('granted');
    expect(prompt()).toBeNull();
    act(() => prefs.markSent());
    expect(prompt()).not.toBeNull();
    expect(api.requestPermission).not.toHaveBeenCalled();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Turn on notifications' })));
    expect(api.requestPermission).toHaveBeenCalledTimes(1);
    expect(prompt()).toBeNull();
  });

  it('"Not now" hides it for good', () => {
    const { prefs, storage } = setup('granted');
    act(() => prefs.markSent());
    fireEvent.click(screen.getByRole('button', { name: 'Not now' }));
    expect(prompt()).toBeNull();
    cleanup();
    const again = new NotificationPrefs({ storage, api: { permission: 'default' } as unknown as NotificationApi });
    again.markSent();
    render(<NotificationPrompt prefs={again} />);
    expect(prompt()).toBeNull();
  });

  it('stops asking when the browser’s question was closed unanswered', async () => {
    const { prefs } = setup('default');
    act(() => prefs.markSent());
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Turn on notifications' })));
    expect(prompt()).toBeNull();
  });
});
