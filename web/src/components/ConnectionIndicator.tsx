import type { ConnectionState } from '../state/appState';

const LABELS: Record<ConnectionState, string> = {
  signedOut: 'Signed out',
  connecting: 'Connecting…',
  online: 'Online',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

const DOTS: Record<ConnectionState, string> = {
  signedOut: 'bg-slate-400',
  connecting: 'bg-amber-400 animate-pulse',
  online: 'bg-emerald-500',
  reconnecting: 'bg-amber-400 animate-pulse',
  offline: 'bg-red-500',
};

export function ConnectionIndicator({ state }: { state: ConnectionState }) {
  return (
    <div
      role="status"
      aria-live="polite"
      aria-label={`Connection: ${LABELS[state]}`}
      data-testid="connection-status"
      data-state={state}
      className="inline-flex items-center gap-2 rounded-full border border-slate-200 px-2.5 py-1 text-xs font-medium text-slate-700 dark:border-slate-700 dark:text-slate-300"
    >
      <span aria-hidden="true" className={`h-2 w-2 rounded-full ${DOTS[state]}`} />
      <span>{LABELS[state]}</span>
    </div>
  );
}
