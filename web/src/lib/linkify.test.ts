import { describe, expect, it } from 'vitest';
import { linkify, safeHref } from './linkify';

describe('linkify', () => {
  it('splits text and http(s) links', () => {
    expect(linkify('see https://example.com/a?b=1, and http://x.org.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ', and ' },
      { kind: 'link', text: 'http://x.org', href: 'http://x.org/' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('keeps balanced parentheses and drops an unbalanced closing one', () => {
    expect(linkify('(https://en.wikipedia.org/wiki/Foo_(bar))')).toEqual([
      { kind: 'text', text: '(' },
      { kind: 'link', text: 'https://en.wikipedia.org/wiki/Foo_(bar)', href: 'https://en.wikipedia.org/wiki/Foo_(bar)' },
      { kind: 'text', text: ')' },
    ]);
  });

  it('never links other schemes', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', 'file:///etc/passwd', 'ftp://example.com/x']) {
      expect(linkify(text)).toEqual([{ kind: 'text', text }]);
    }
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('https://')).toBeNull();
  });

  it('stops a link at quotes and angle brackets', () => {
    const segs = linkify('<a href="https://evil.example/x" onclick="y">');
    expect(segs.filter((s) => s.kind === 'link').map((s) => s.text)).toEqual(['https://evil.example/x']);
    expect(segs.map((s) => s.text).join('')).toBe('<a href="https://evil.example/x" onclick="y">');
  });

  it('links www. addresses as https and e-mail addresses as mailto:', () => {
    expect(linkify('see www.example.com/docs or write to a@b.co.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'www.example.com/docs', href: 'https://www.example.com/docs' },
      { kind: 'text', text: ' or write to ' },
      { kind: 'link', text: 'a@b.co', href: 'mailto:a@b.co' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('leaves bare names with a dot as text (file names are not addresses)', () => {
    expect(linkify('open README.md and notes.txt')).toEqual([{ kind: 'text', text: 'open README.md and notes.txt' }]);
  });

  it('keeps plain text whole', () => {
    expect(linkify('')).toEqual([]);
    expect(linkify('just text\nwith lines')).toEqual([{ kind: 'text', text: 'just text\nwith lines' }]);
  });
});
