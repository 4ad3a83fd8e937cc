// On the local stack no e-mail leaves the machine: Cognito's mail lands in MiniStack's outbox.

/** The outbox of the local Cognito emulator (MiniStack), or null on AWS. */
export function localOutboxUrl(endpoint: string | undefined): string | null {
  return endpoint ? `${endpoint}/_ministack/ses/messages` : null;
}

export function LocalMailHint({ outboxUrl, code }: { outboxUrl: string | null; code?: string }) {
  if (!outboxUrl) return null;
  return (
    <p data-testid="local-mail-hint" className="rounded-lg bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-100">
      Local stack: no e-mail leaves this machine. Read the code in the emulator's outbox at{' '}
      <a href={outboxUrl} target="_blank" rel="noreferrer" className="font-medium break-all underline">
        {outboxUrl}
      </a>
      {code ? <> (it sends {code}).</> : '.'}
    </p>
  );
}
