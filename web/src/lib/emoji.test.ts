import { describe, expect, it } from 'vitest';
import { isEmojiGrapheme, largeEmojiCount } from './emoji';

describe('largeEmojiCount', () => {
  it('counts one to three emoji, whitespace allowed', () => {
    expect(largeEmojiCount('👍')).toBe(1);
    expect(largeEmojiCount(' 🎉 🎉 ')).toBe(2);
    expect(largeEmojiCount('😀😃😄')).toBe(3);
    expect(largeEmojiCount('❤️')).toBe(1);
  });

  it('counts a grapheme as one emoji: families, skin tones, flags, keycaps', () => {
    expect(largeEmojiCount('👨‍👩‍👧‍👦')).toBe(1);
    expect(largeEmojiCount('👍🏽👋🏿')).toBe(2);
    expect(largeEmojiCount('🇫🇷🇩🇪')).toBe(2);
    expect(largeEmojiCount('1️⃣')).toBe(1);
    expect(largeEmojiCount('🏳️‍🌈')).toBe(1);
  });

  it('is 0 for text, more than three emoji, digits and text-style symbols', () => {
    expect(largeEmojiCount('')).toBe(0);
    expect(largeEmojiCount('   ')).toBe(0);
    expect(largeEmojiCount('ok 👍')).toBe(0);
    expect(largeEmojiCount('😀😃😄😁')).toBe(0);
    expect(largeEmojiCount('1')).toBe(0);
    expect(largeEmojiCount('#')).toBe(0);
    expect(largeEmojiCount('©')).toBe(0);
    expect(largeEmojiCount(':)')).toBe(0);
  });
});

describe('isEmojiGrapheme', () => {
  it('tells emoji from other graphemes', () => {
    expect(isEmojiGrapheme('🙂')).toBe(true);
    expect(isEmojiGrapheme('©️')).toBe(true);
    expect(isEmojiGrapheme('a')).toBe(false);
    expect(isEmojiGrapheme('é')).toBe(false);
  });
});
