import type { NotificationPermissionState } from './alertRules';
import type { NotificationControls } from './useNotifications';
import { useNotificationPrefs } from './useNotifications';

const PERMISSION_TEXT: Record<Exclude<NotificationPermissionState, 'default'>, string> = {
  granted: 'Desktop notifications are on.',
  denied: 'Notifications are blocked for this site in the browser’s settings.',
  unsupported: 'This browser cannot show notifications.',
};

/** In my profile panel: desktop notifications (turned on from here too) and the sound. */
export function NotificationSettings({ controls }: { controls: NotificationControls }) {
  const { prefs, playTone } = controls;
  const state = useNotificationPrefs(prefs);
  return (
    <section aria-labelledby="notification-settings-title" data-testid="notification-settings" className="flex w-full flex-col items-center gap-2 border-t border-slate-200 pt-4 dark:border-slate-800">
      <h3 id="notification-settings-title" className="text-sm font-semibold">
        Notifications
      </h3>
      {state.permission === 'default' ? (
        <button
          type="button"
          data-testid="settings-enable-notifications"
          onClick={() => void prefs.requestPermission()}
          className="rounded-lg px-3 py-1.5 text-sm font-semibold text-indigo-700 ring-1 ring-indigo-300 hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:text-indigo-200 dark:ring-indigo-700 dark:hover:bg-indigo-950"
        >
          Turn on desktop notifications
        </button>
      ) : (
        <p data-testid="notification-permission" className="text-sm text-slate-600 dark:text-slate-400">
          {PERMISSION_TEXT[state.permission]}
        </p>
      )}
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          data-testid="notification-sound"
          checked={state.soundOn}
          onChange={(e) => {
            prefs.setSoundOn(e.target.checked);
            // A sample, and the click lets the browser start audio for the messages to come.
            if (e.target.checked) playTone();
          }}
          className="h-4 w-4 accent-indigo-600"
        />
        Play a sound for new messages
      </label>
    </section>
  );
}
