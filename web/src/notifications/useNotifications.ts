// React glue: the alerts of a chat session (notifications, sound), and the unread count in the
// title and on the favicon.
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import type { ConversationRef } from '../protocol/conversations';
import { MessageAlerter, type AlertSource } from './messageAlerter';
import { NotificationPrefs, type NotificationPrefsState } from './notificationPrefs';
import { createTonePlayer } from './tone';
import { FaviconBadge, unreadTitle } from './unreadBadge';

export interface NotificationControls {
  prefs: NotificationPrefs;
  playTone(): void;
}

/** Alerts for the live messages of `session`; a click on a notification calls `openConversation`. */
export function useNotifications(session: AlertSource, openConversation: (ref: ConversationRef) => void): NotificationControls {
  const controls = useMemo<NotificationControls>(() => ({ prefs: new NotificationPrefs(), playTone: createTonePlayer() }), []);
  useEffect(() => {
    const { prefs, playTone } = controls;
    const alerter = new MessageAlerter({
      session,
      prefs,
      isTabVisible: () => document.visibilityState === 'visible',
      playTone,
      focusWindow: () => window.focus(),
      openConversation,
      now: Date.now,
      iconUrl: new URL('favicon.svg', document.baseURI).href,
    });
    const stop = alerter.start();
    // The permission may have changed in the site settings while the user was elsewhere.
    const refresh = () => prefs.refreshPermission();
    window.addEventListener('focus', refresh);
    document.addEventListener('visibilitychange', refresh);
    return () => {
      stop();
      window.removeEventListener('focus', refresh);
      document.removeEventListener('visibilitychange', refresh);
    };
  }, [session, controls, openConversation]);
  return controls;
}

export function useNotificationPrefs(prefs: NotificationPrefs): NotificationPrefsState {
  return useSyncExternalStore(prefs.subscribe, prefs.getSnapshot, prefs.getSnapshot);
}

/** The unread count in the tab's title and on its icon (the plain icon back at zero and on unmount). */
export function useUnreadBadge(count: number): void {
  const favicon = useMemo(() => new FaviconBadge(document), []);
  useEffect(() => {
    document.title = unreadTitle(count);
    void favicon.show(count);
  }, [favicon, count]);
  useEffect(
    () => () => {
      document.title = unreadTitle(0);
      favicon.reset();
    },
    [favicon],
  );
}
