import { describe, expect, it, vi } from 'vitest';
import { NotificationPrefs, PROMPT_DISMISSED_KEY, shouldOfferNotifications, SOUND_KEY, type NotificationApi, type PrefsStorage } from './notificationPrefs';

function memoryStorage(): PrefsStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

function fakeApi(permission: NotificationPermission, answer: NotificationPermission = permission) {
  const api = class {
    static permission = permission;
    static requestPermission = vi.fn(async () => {
      api.permission = answer;
      return answer;
    });
    onclick = null;
    close() {}
  };
  return api as typeof api & NotificationApi;
}

describe('the sound setting', () => {
  it('is off at first and a choice lasts into the next page (same storage)', () => {
    const storage = memoryStorage();
    const first = new NotificationPrefs({ storage, api: null });
    expect(first.getSnapshot().soundOn).toBe(false);
    first.setSoundOn(true);
    expect(first.getSnapshot().soundOn).toBe(true);
    expect(storage.items.get(SOUND_KEY)).toBe('on');
    expect(new NotificationPrefs({ storage, api: null }).getSnapshot().soundOn).toBe(true);
    first.setSoundOn(false);
    expect(new NotificationPrefs({ storage, api: null }).getSnapshot().soundOn).toBe(false);
  });

  it('still switches when storage refuses to write', () => {
    const storage: PrefsStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const prefs = new NotificationPrefs({ storage, api: null });
    prefs.setSoundOn(true);
    expect(prefs.getSnapshot().soundOn).toBe(true);
  });

  it('tells subscribers of a change, not of a no-op', () => {
    const prefs = new NotificationPrefs({ storage: memoryStorage(), api: null });
    const listener = vi.fn();
    prefs.subscribe(listener);
    prefs.setSoundOn(true);
    prefs.setSoundOn(true);
    expect(listener).toHaveBeenCalledTimes(1);
  });
});

describe('offering notifications', () => {
  it('waits until the user has sent a message, and never when the browser has decided', () => {
    const prefs = new NotificationPrefs({ storage: memoryStorage(), api: fakeApi('default') });
    expect(shouldOfferNotifications(prefs.getSnapshot())).toBe(false);
    prefs.markSent();
    expect(shouldOfferNotifications(prefs.getSnapshot())).toBe(true);
    for (const permission of ['granted', 'denied'] as const) {
      const decided = new NotificationPrefs({ storage: memoryStorage(), api: fakeApi(permission) });
      decided.markSent();
      expect(shouldOfferNotifications(decided.getSnapshot())).toBe(false);
    }
    const unsupported = new NotificationPrefs({ storage: memoryStorage(), api: null });
    unsupported.markSent();
    expect(unsupported.getSnapshot().permission).toBe('unsupported');
    expect(shouldOfferNotifications(unsupported.getSnapshot())).toBe(false);
  });

  it('remembers "not now" in storage', () => {
    const storage = memoryStorage();
    const prefs = new NotificationPrefs({ storage, api: fakeApi('default') });
    prefs.markSent();
    prefs.dismissPrompt();
    expect(shouldOfferNotifications(prefs.getSnapshot())).toBe(false);
    expect(storage.items.get(PROMPT_DISMISSED_KEY)).toBe('1');
    const nextPage = new NotificationPrefs({ storage, api: fakeApi('default') });
    nextPage.markSent();
    expect(shouldOfferNotifications(nextPage.getSnapshot())).toBe(false);
  });

  it('asks the browser only when told to, and keeps its answer', async () => {
    const api = fakeApi('default', 'granted');
    const prefs = new NotificationPrefs({ storage: memoryStorage(), api });
    expect(api.requestPermission).not.toHaveBeenCalled();
    await expect(prefs.requestPermission()).resolves.toBe('granted');
    expect(api.requestPermission).toHaveBeenCalledTimes(1);
    expect(prefs.getSnapshot().permission).toBe('granted');
  });

  it('picks up a permission changed in the site settings', () => {
    const api = fakeApi('granted');
    const prefs = new NotificationPrefs({ storage: memoryStorage(), api });
    api.permission = 'denied';
    expect(prefs.currentPermission()).toBe('denied');
    prefs.refreshPermission();
    expect(prefs.getSnapshot().permission).toBe('denied');
  });
});
