import { describe, expect, it } from 'vitest';
import {
  ATTACHMENT_ACCEPT,
  ATTACHMENT_MAX_BYTES,
  AVATAR_ACCEPT,
  AVATAR_MAX_BYTES,
  checkMediaFile,
  formatBytes,
  isImageType,
  isValidFileName,
  mediaTypeOf,
} from './mediaRules';

describe('media rules (as the server)', () => {
  const file = (name: string, type: string, size = 1000) => ({ name, type, size });

  it('profile pictures: PNG, JPEG, WebP or GIF, 1 byte to 2 MB', () => {
    for (const type of ['image/png', 'image/jpeg', 'image/webp', 'image/gif']) expect(checkMediaFile('avatar', file('me.img', type))).toBeNull();
    expect(checkMediaFile('avatar', file('me.pdf', 'application/pdf'))?.code).toBe('unsupported_media_type');
    expect(checkMediaFile('avatar', file('me.svg', 'image/svg+xml'))?.code).toBe('unsupported_media_type');
    expect(checkMediaFile('avatar', file('me.png', 'image/png', AVATAR_MAX_BYTES))).toBeNull();
    const big = checkMediaFile('avatar', file('me.png', 'image/png', AVATAR_MAX_BYTES + 1));
    expect(big?.code).toBe('file_too_large');
    expect(big?.message).toBe('me.png is over 2 MB; a profile picture can be at most 2 MB.');
    expect(checkMediaFile('avatar', file('me.png', 'image/png', 0))?.code).toBe('invalid_size');
  });

  it('attachments: the allow-list up to 10 MB, never HTML, SVG or scripts', () => {
    for (const type of ['image/png', 'application/pdf', 'text/plain', 'text/csv', 'application/zip', 'audio/mpeg', 'video/mp4']) {
      expect(checkMediaFile('attachment', file('f', type))).toBeNull();
    }
    for (const [name, type] of [['x.html', 'text/html'], ['x.svg', 'image/svg+xml'], ['x.js', 'text/javascript'], ['x.exe', 'application/x-msdownload']]) {
      expect(checkMediaFile('attachment', file(name!, type!))?.code).toBe('unsupported_media_type');
    }
    expect(checkMediaFile('attachment', file('a.bin', ''))?.message).toMatch(/its type is unknown/);
    expect(checkMediaFile('attachment', file('big.zip', 'application/zip', ATTACHMENT_MAX_BYTES))).toBeNull();
    expect(checkMediaFile('attachment', file('big.zip', 'application/zip', ATTACHMENT_MAX_BYTES + 1))?.code).toBe('file_too_large');
  });

  it('takes the type from the extension when the browser reports none or a vendor alias', () => {
    expect(mediaTypeOf(file('a.zip', 'application/x-zip-compressed'))).toBe('application/zip');
    expect(mediaTypeOf(file('a.csv', 'application/vnd.ms-excel'))).toBe('text/csv');
    expect(mediaTypeOf(file('Report.DOCX', ''))).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(mediaTypeOf(file('photo.jpeg', ''))).toBe('image/jpeg');
    expect(mediaTypeOf(file('a.png', 'IMAGE/PNG'))).toBe('image/png');
    // Never for something a browser would run.
    expect(mediaTypeOf(file('evil.png', 'text/html'))).toBe('text/html');
    expect(mediaTypeOf(file('noext', ''))).toBe('');
  });

  it('attachment names: 1–255 characters after trimming, no control characters, no / or \\', () => {
    expect(isValidFileName('cat.png')).toBe(true);
    expect(isValidFileName('  spaced name.pdf ')).toBe(true);
    expect(isValidFileName('é'.repeat(255))).toBe(true);
    expect(isValidFileName('😀'.repeat(255))).toBe(true);
    expect(isValidFileName('x'.repeat(256))).toBe(false);
    expect(isValidFileName('   ')).toBe(false);
    expect(isValidFileName('a/b.txt')).toBe(false);
    expect(isValidFileName('a\\b.txt')).toBe(false);
    expect(isValidFileName('a\u0000b.txt')).toBe(false);
    expect(isValidFileName('a\nb.txt')).toBe(false);
    expect(checkMediaFile('attachment', file('x'.repeat(256) + '.txt', 'text/plain'))?.code).toBe('invalid_file_name');
    // Profile pictures have no name rule: the name is never sent.
    expect(checkMediaFile('avatar', file('x'.repeat(300) + '.png', 'image/png'))).toBeNull();
  });

  it('images are the four picture types', () => {
    expect(isImageType('image/gif')).toBe(true);
    expect(isImageType('image/svg+xml')).toBe(false);
    expect(isImageType('application/pdf')).toBe(false);
  });

  it('accept lists for the file pickers', () => {
    expect(AVATAR_ACCEPT).toBe('image/png,image/jpeg,image/webp,image/gif');
    expect(ATTACHMENT_ACCEPT.split(',')).toEqual(expect.arrayContaining(['application/pdf', '.pdf', '.docx', '.jpeg', 'text/plain']));
  });

  it('formats sizes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1 KB');
    expect(formatBytes(48_213)).toBe('47.1 KB');
    expect(formatBytes(150 * 1024)).toBe('150 KB');
    expect(formatBytes(ATTACHMENT_MAX_BYTES)).toBe('10 MB');
    expect(formatBytes(ATTACHMENT_MAX_BYTES + 1)).toBe('10 MB');
    expect(formatBytes(2.5 * 1024 * 1024)).toBe('2.5 MB');
  });
});
