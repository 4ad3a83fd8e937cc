// "Only emoji" messages (one to three, whitespace allowed) are shown large, as the usual chats do.
// Emoji are counted as graphemes (Intl.Segmenter): 👨‍👩‍👧, 👍🏽, 🇫🇷 and 1️⃣ are one each.

/** At most this many emoji make a message large. */
export const LARGE_EMOJI_MAX = 3;

/**
 * One RGI emoji (the Unicode set keyboards offer). The `v` flag's property of strings is built at
 * run time: a browser without it falls back to a looser check (pictographs with their joiners,
 * variation selectors, skin tones and tags; flags; keycaps).
 */
const RGI_EMOJI_RE = (() => {
  try {
    return new RegExp('^\\p{RGI_Emoji}$', 'v');
  } catch {
    return null;
  }
})();
const LOOSE_EMOJI_RE =
  /^(?:\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3|\p{Extended_Pictographic}(?:\p{Emoji_Modifier}|\uFE0F|[\u{E0020}-\u{E007F}])*(?:\u200D\p{Extended_Pictographic}(?:\p{Emoji_Modifier}|\uFE0F)*)*)$/u;
/** A pictograph with text presentation (©, ™, ↔) is an emoji only with VS16 (©️). */
const TEXT_DEFAULT_RE = /^\P{Emoji_Presentation}$/u;

export function isEmojiGrapheme(grapheme: string): boolean {
  if (RGI_EMOJI_RE) return RGI_EMOJI_RE.test(grapheme);
  return LOOSE_EMOJI_RE.test(grapheme) && !TEXT_DEFAULT_RE.test(grapheme);
}

const segmenter = typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;

/** How many emoji the text is made of when it is nothing but 1–3 emoji (and whitespace); else 0. */
export function largeEmojiCount(text: string): number {
  if (!segmenter || text.length > 64) return 0;
  let count = 0;
  for (const { segment } of segmenter.segment(text)) {
    if (/^\s+$/u.test(segment)) continue;
    if (!isEmojiGrapheme(segment) || ++count > LARGE_EMOJI_MAX) return 0;
  }
  return count;
}
