// One auth call at a time per form: busy while it runs, its failure as a message for people.
import { useCallback, useRef, useState } from 'react';
import { toAuthFailure } from '../../auth/cognitoErrors';

export function useAuthCall() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const running = useRef(false);
  const run = useCallback(async (call: () => Promise<void>) => {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      await call();
    } catch (e) {
      setError(toAuthFailure(e).message);
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
