// @vitest-environment happy-dom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageText } from './MessageText';

afterEach(cleanup);

describe('MessageText', () => {
  it('renders a <script> / <img onerror> payload as text, creating no elements', () => {
    const payload = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b>bold</b>';
    const { container } = render(<MessageText text={payload} />);
    const p = container.querySelector('[data-testid="message-text"]')!;
    expect(p.textContent).toBe(payload);
    expect(container.querySelector('script, img, b')).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it('makes http(s) links clickable in a new tab without an opener', () => {
    const { container } = render(<MessageText text={'go to https://example.com/docs now'} />);
    const links = container.querySelectorAll('a');
    expect(links).toHaveLength(1);
    const a = links[0]!;
    expect(a.getAttribute('href')).toBe('https://example.com/docs');
    expect(a.getAttribute('target')).toBe('_blank');
    expect(a.getAttribute('rel')).toBe('noopener noreferrer');
    expect(a.textContent).toBe('https://example.com/docs');
    expect(container.textContent).toBe('go to https://example.com/docs now');
  });

  it('does not link javascript: URLs and keeps a link free of injected attributes', () => {
    const { container } = render(<MessageText text={'javascript:alert(1) https://x.example/"onmouseover="alert(1)'} />);
    const links = container.querySelectorAll('a');
    expect(links).toHaveLength(1);
    expect(links[0]!.getAttribute('href')).toBe('https://x.example/');
    expect(links[0]!.getAttribute('onmouseover')).toBeNull();
  });

  it('links www. addresses and e-mail addresses', () => {
    const { container } = render(<MessageText text={'www.example.com or a@b.co'} />);
    expect([...container.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual(['https://www.example.com/', 'mailto:a@b.co']);
  });

  it('shows one to three emoji alone large, and emoji within text at the text size', () => {
    const { getAllByTestId } = render(
      <>
        <MessageText text="🎉 👍🏽" />
        <MessageText text="well done 🎉" />
      </>,
    );
    const [alone, within] = getAllByTestId('message-text');
    expect(alone!.dataset.emojiOnly).toBe('true');
    expect(alone!.className).toContain('text-4xl');
    expect(within!.dataset.emojiOnly).toBeUndefined();
    expect(within!.className).not.toContain('text-4xl');
  });
});

