import { useState } from 'react';

/**
 * A call to a mail server from a dialog: `busy` says what is under way (for the button), `error` what went wrong
 * (shown in the dialog, which stays open so the user can correct the form).
 */
export function useAttempt() {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const attempt = async (what: string, run: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    try {
      await run();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };
  return { busy, error, attempt };
}
