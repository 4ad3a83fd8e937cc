// The user's choices about alerts: the browser's notification permission (asked only from a click,
// never at load), the sound setting and a "not now" for the prompt (both kept in localStorage),
// and whether this tab has sent a message yet (the prompt waits for that). A tiny store that React
// reads with useSyncExternalStore.
import type { NotificationPermissionState } from './alertRules';

/** What the app uses of the browser's `Notification` (a fake in tests). */
export interface NotificationApi {
  readonly permission: NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
  new (title: string, options?: NotificationOptions): ShownNotification;
}

export interface ShownNotification {
  onclick: ((event: Event) => void) | null;
  close(): void;
}

/** The subset of `Storage` used here. */
export type PrefsStorage = Pick<Storage, 'getItem' | 'setItem'>;

export const SOUND_KEY = 'chatastrophy.notifications.sound';
export const PROMPT_DISMISSED_KEY = 'chatastrophy.notifications.notNow';

export interface NotificationPrefsState {
  permission: NotificationPermissionState;
  /** Off unless the user turns it on: a sound nobody asked for is the first thing people mute. */
  soundOn: boolean;
  /** "Not now" on the prompt: it stays away (the profile panel can still turn notifications on). */
  promptDismissed: boolean;
  /** This tab has sent a message: the user is chatting, a good moment to offer notifications. */
  hasSent: boolean;
}

/** The browser's Notification API, or null where there is none (old browsers, some webviews). */
export function browserNotificationApi(): NotificationApi | null {
  return typeof window !== 'undefined' && 'Notification' in window ? (window.Notification as unknown as NotificationApi) : null;
}

function browserStorage(): PrefsStorage | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch {
    return null; // Storage blocked (privacy settings): choices last for this page only.
  }
}

function read(storage: PrefsStorage | null, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function write(storage: PrefsStorage | null, key: string, value: string): void {
  try {
    storage?.setItem(key, value);
  } catch {
    // Full or blocked storage: the choice holds until the page is closed.
  }
}

export class NotificationPrefs {
  private state: NotificationPrefsState;
  private readonly listeners = new Set<() => void>();
  private readonly storage: PrefsStorage | null;
  readonly api: NotificationApi | null;

  constructor(options: { storage?: PrefsStorage | null; api?: NotificationApi | null } = {}) {
    this.storage = options.storage === undefined ? browserStorage() : options.storage;
    this.api = options.api === undefined ? browserNotificationApi() : options.api;
    this.state = {
      permission: this.api ? this.api.permission : 'unsupported',
      soundOn: read(this.storage, SOUND_KEY) === 'on',
      promptDismissed: read(this.storage, PROMPT_DISMISSED_KEY) === '1',
      hasSent: false,
    };
  }

  readonly getSnapshot = (): NotificationPrefsState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The permission as the browser has it now (the user may change it in the site settings at any time). */
  currentPermission(): NotificationPermissionState {
    return this.api ? this.api.permission : 'unsupported';
  }

  /** Re-reads the permission (after the window regains focus: it may have changed in the site settings). */
  refreshPermission(): void {
    this.update({ permission: this.currentPermission() });
  }

  /** Asks the browser; call it from a click (browsers ignore or penalise requests without a user gesture). */
  async requestPermission(): Promise<NotificationPermissionState> {
    if (!this.api) return 'unsupported';
    let permission: NotificationPermissionState;
    try {
      permission = await this.api.requestPermission();
    } catch {
      permission = this.currentPermission();
    }
    this.update({ permission });
    return permission;
  }

  setSoundOn(on: boolean): void {
    write(this.storage, SOUND_KEY, on ? 'on' : 'off');
    this.update({ soundOn: on });
  }

  dismissPrompt(): void {
    write(this.storage, PROMPT_DISMISSED_KEY, '1');
    this.update({ promptDismissed: true });
  }

  markSent(): void {
    this.update({ hasSent: true });
  }

  private update(change: Partial<NotificationPrefsState>): void {
    const next = { ...this.state, ...change };
    if ((Object.keys(change) as (keyof NotificationPrefsState)[]).every((k) => next[k] === this.state[k])) return;
    this.state = next;
    for (const listener of [...this.listeners]) listener();
  }
}

/** Offer to turn notifications on: the browser could show them, nobody decided yet, and the user has started chatting. */
export function shouldOfferNotifications(state: NotificationPrefsState): boolean {
  return state.permission === 'default' && !state.promptDismissed && state.hasSent;
}
