// The chat's link to the identity provider: on start, the stored session (it survives a reload)
// starts the chat as the user its token names; sign-out closes the chat, then signs out globally.
import { useCallback, useEffect, useState } from 'react';
import type { AuthService } from '../../auth/authService';
import type { ChatSession } from '../../state/session';

/**
 * `checking`: asking for the stored session; `unreachable`: Cognito could not be asked (the token
 * needed a refresh while offline); `signingOut`: the global sign-out is on its way; `ready` otherwise.
 */
export type IdentityPhase = 'checking' | 'unreachable' | 'signingOut' | 'ready';

export function useIdentity(auth: AuthService, session: ChatSession) {
  const [phase, setPhase] = useState<IdentityPhase>('checking');
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setPhase('checking');
    auth.currentUser().then(
      (user) => {
        if (!live) return;
        if (user) session.start(user.username);
        setPhase('ready');
      },
      () => live && setPhase('unreachable'),
    );
    return () => {
      live = false;
    };
  }, [auth, session, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);

  /** Closes the socket and clears the chat at once; the screen waits for the global sign-out. */
  const signOut = useCallback(() => {
    session.signOut();
    setPhase('signingOut');
    auth
      .signOut()
      .catch(() => {
        // Amplify clears the local tokens even when revoking fails; nothing else to do here.
      })
      .finally(() => setPhase('ready'));
  }, [auth, session]);

  return { phase, retry, signOut };
}
