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

export interface ConnectionIndicatorProps {
  state: ConnectionState;
  /**
   * A dot with a word only when something is wrong: for the conversation header on phones, where
   * the app header with the full indicator is hidden.
   */
  compact?: boolean;
  className?: string;
}

export function ConnectionIndicator({ state, compact = false, className = '' }: ConnectionIndicatorProps) {
  const label = LABELS[state];
  if (compact) {
    return (
      <span
        role="status"
        aria-label={`Connection: ${label}`}
        title={label}
        data-testid="conversation-connection"
        data-state={state}
        className={`inline-flex shrink-0 items-center gap-1.5 text-xs font-medium text-slate-600 dark:text-slate-300 ${className}`}
      >
        <span aria-hidden="true" className={`h-2.5 w-2.5 rounded-full ${DOTS[state]}`} />
        {state !== 'online' && <span aria-hidden="true">{label}</span>}
      </span>
    );
  }
  return (
    <div
      role="status"
      aria-live="polite"
      aria-label={`Connection: ${label}`}
      data-testid="connection-status"
      data-state={state}
      className={`inline-flex items-center gap-2 rounded-full border border-slate-200 px-2.5 py-1 text-xs font-medium text-slate-700 dark:border-slate-700 dark:text-slate-300 ${className}`}
    >
      <span aria-hidden="true" className={`h-2 w-2 rounded-full ${DOTS[state]}`} />
      <span>{label}</span>
    </div>
  );
}
