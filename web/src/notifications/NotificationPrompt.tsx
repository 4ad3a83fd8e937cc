import { shouldOfferNotifications, type NotificationPrefs } from './notificationPrefs';
import { useNotificationPrefs } from './useNotifications';

const BUTTON =
  'shrink-0 rounded-lg px-3 py-1 text-sm font-semibold focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500';

/**
 * Offers desktop notifications once the user has sent a message (never at load): "Turn on"
 * asks the browser from the click; "Not now" is remembered in this browser.
 */
export function NotificationPrompt({ prefs }: { prefs: NotificationPrefs }) {
  const state = useNotificationPrefs(prefs);
  if (!shouldOfferNotifications(state)) return null;
  return (
    <div
      role="region"
      aria-label="Turn on notifications"
      data-testid="notification-prompt"
      className="flex flex-wrap items-center gap-2 bg-indigo-50 px-3 py-2 text-sm text-indigo-950 dark:bg-indigo-950 dark:text-indigo-100"
    >
      <span className="min-w-0 flex-1">Get a notification when a message arrives while you are elsewhere?</span>
      <button
        type="button"
        data-testid="enable-notifications"
        onClick={() =>
          void prefs.requestPermission().then((permission) => {
            // The browser's question was closed unanswered: do not keep asking.
            if (permission === 'default') prefs.dismissPrompt();
          })
        }
        className={`${BUTTON} bg-indigo-600 text-white hover:bg-indigo-700`}
      >
        Turn on notifications
      </button>
      <button type="button" data-testid="dismiss-notifications" onClick={() => prefs.dismissPrompt()} className={`${BUTTON} hover:bg-indigo-100 dark:hover:bg-indigo-900`}>
        Not now
      </button>
    </div>
  );
}
