// Splits message text into plain text and http(s) links. The result is rendered as React text
// nodes and <a> elements: no HTML is ever parsed from a message.

export type Segment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING_PUNCTUATION_RE = /[.,;:!?'"\]}>]+$/;

function trimUrl(candidate: string): string {
  let url = candidate.replace(TRAILING_PUNCTUATION_RE, '');
  // A closing parenthesis belongs to the URL only when balanced, e.g. wiki/Foo_(bar).
  while (url.endsWith(')') && (url.match(/\(/g)?.length ?? 0) < (url.match(/\)/g)?.length ?? 0)) {
    url = url.slice(0, -1).replace(TRAILING_PUNCTUATION_RE, '');
  }
  return url;
}

/** The URL as a safe href, or null when it is not a plain http(s) URL. */
export function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!url.hostname) return null;
    return url.href;
  } catch {
    return null;
  }
}

export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  const push = (t: string) => {
    if (!t) return;
    const prev = segments[segments.length - 1];
    if (prev && prev.kind === 'text') prev.text += t;
    else segments.push({ kind: 'text', text: t });
  };
  for (const match of text.matchAll(URL_RE)) {
    const start = match.index ?? 0;
    const raw = trimUrl(match[0]);
    const href = safeHref(raw);
    if (!href) continue;
    push(text.slice(last, start));
    segments.push({ kind: 'link', text: raw, href });
    last = start + raw.length;
  }
  push(text.slice(last));
  return segments;
}
