import { largeEmojiCount } from '../lib/emoji';
import { linkify } from '../lib/linkify';

/**
 * Message text as React text nodes (never parsed as HTML), with http(s), `www.` and e-mail links
 * made clickable. One to three emoji alone are shown large.
 */
export function MessageText({ text }: { text: string }) {
  const emojiOnly = largeEmojiCount(text) > 0;
  // `wrap-anywhere` (overflow-wrap: anywhere) alone: a long word or link breaks inside the bubble.
  // With `break-words` beside it, the later rule won, and break-word does not shrink the bubble's
  // min-content width, so a 150-character link pushed it past the screen.
  return (
    <p
      data-testid="message-text"
      data-emoji-only={emojiOnly || undefined}
      className={`whitespace-pre-wrap wrap-anywhere ${emojiOnly ? 'text-4xl leading-tight' : ''}`}
    >
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
