import { linkify } from '../lib/linkify';

/** Message text as React text nodes (never parsed as HTML), with http(s) links made clickable. */
export function MessageText({ text }: { text: string }) {
  return (
    <p data-testid="message-text" className="whitespace-pre-wrap break-words [overflow-wrap:anywhere]">
      {linkify(text).map((s, i) =>
        s.kind === 'link' ? (
          <a
            key={i}
            href={s.href}
            target="_blank"
            rel="noopener noreferrer"
            className="underline decoration-1 underline-offset-2 hover:decoration-2"
          >
            {s.text}
          </a>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </p>
  );
}
