// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { badgeText, FaviconBadge, unreadTitle } from './unreadBadge';

describe('badge text and title', () => {
  it('counts up to 99, then says 99+; nothing at zero', () => {
    expect([0, -1, 1, 3, 99, 100, 12345].map(badgeText)).toEqual(['', '', '1', '3', '99', '99+', '99+']);
    expect(unreadTitle(0)).toBe('Chatastrophy');
    expect(unreadTitle(3)).toBe('(3) Chatastrophy');
    expect(unreadTitle(250)).toBe('(99+) Chatastrophy');
  });
});

describe('FaviconBadge', () => {
  beforeEach(() => {
    document.head.innerHTML = '<link rel="icon" type="image/svg+xml" href="./favicon.svg" />';
  });
  afterEach(() => {
    document.head.innerHTML = '';
  });
  const icon = () => document.querySelector('link[rel~="icon"]')!;

  it('shows a badged icon for a count and the plain icon again at zero', async () => {
    const render = vi.fn(async (_iconHref: string, text: string) => `data:image/png;base64,${text}`);
    const favicon = new FaviconBadge(document, render);
    await favicon.show(3);
    expect(icon().getAttribute('href')).toBe('data:image/png;base64,3');
    expect(icon().getAttribute('type')).toBe('image/png');
    // Always drawn on the plain icon, never on the badged one.
    await favicon.show(120);
    expect(icon().getAttribute('href')).toBe('data:image/png;base64,99+');
    expect(render.mock.calls.map(([href]) => href)).toEqual([expect.stringMatching(/favicon\.svg$/), expect.stringMatching(/favicon\.svg$/)]);
    await favicon.show(0);
    expect(icon().getAttribute('href')).toBe('./favicon.svg');
    expect(icon().getAttribute('type')).toBe('image/svg+xml');
  });

  it('draws each text once', async () => {
    const render = vi.fn(async (_iconHref: string, text: string) => `data:,${text}`);
    const favicon = new FaviconBadge(document, render);
    await favicon.show(2);
    await favicon.show(0);
    await favicon.show(2);
    expect(render).toHaveBeenCalledTimes(1);
    expect(icon().getAttribute('href')).toBe('data:,2');
  });

  it('lets a newer count win over an older render that finishes later', async () => {
    const pending = new Map<string, (url: string) => void>();
    const favicon = new FaviconBadge(document, (_href, text) => new Promise((resolve) => pending.set(text, resolve)));
    const first = favicon.show(1);
    const second = favicon.show(2);
    pending.get('2')!('data:,2');
    await second;
    pending.get('1')!('data:,1');
    await first;
    expect(icon().getAttribute('href')).toBe('data:,2');
    const third = favicon.show(5);
    await favicon.show(0);
    pending.get('5')!('data:,5');
    await third;
    expect(icon().getAttribute('href')).toBe('./favicon.svg');
  });

  it('keeps the plain icon when drawing fails (no canvas)', async () => {
    const favicon = new FaviconBadge(document, async () => {
      throw new Error('no 2D canvas');
    });
    await favicon.show(4);
    expect(icon().getAttribute('href')).toBe('./favicon.svg');
  });
});
