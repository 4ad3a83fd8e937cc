// Splits message text into plain text and links, found by linkifyjs: http(s) URLs, `www.`
// addresses (linked as https://) and e-mail addresses (mailto:). The result is rendered as React
// text nodes and <a> elements: no HTML is ever parsed from a message.
import { find } from 'linkifyjs';

export type Segment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

/** A link never runs over a quote, an angle bracket or a backtick (HTML-looking text, quoted URLs). */
const LINK_STOP_RE = /["<>`]/;
const HAS_SCHEME_RE = /^[a-z][a-z0-9+.-]*:/i;

/** The URL as a safe href, or null when it is not a plain http(s) or mailto: URL. */
export function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate);
    if (url.protocol === 'mailto:') return url.pathname.includes('@') ? url.href : null;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!url.hostname) return null;
    return url.href;
  } catch {
    return null;
  }
}

/**
 * The href of one linkifyjs match, or null. Bare domains ("example.com", but also "README.md")
 * are left as text: only a scheme or `www.` says the writer meant a web address.
 */
function hrefOf(type: string, text: string): string | null {
  if (type === 'email') return safeHref(`mailto:${text}`);
  if (type !== 'url') return null;
  if (HAS_SCHEME_RE.test(text)) return safeHref(text);
  if (/^www\./i.test(text)) return safeHref(`https://${text}`);
  return null;
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
  for (const match of find(text)) {
    if (match.start < last) continue;
    const stop = match.value.search(LINK_STOP_RE);
    const value = stop >= 0 ? match.value.slice(0, stop) : match.value;
    const href = value ? hrefOf(match.type, value) : null;
    if (!href) continue;
    push(text.slice(last, match.start));
    segments.push({ kind: 'link', text: value, href });
    last = match.start + value.length;
  }
  push(text.slice(last));
  return segments;
}
