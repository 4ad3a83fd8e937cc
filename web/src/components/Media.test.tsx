// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DownloadUrlCache, type DownloadUrlsAnswer } from '../media/downloadUrlCache';
import { MediaContext } from '../media/mediaContext';
import type { Attachment } from '../protocol/frames';
import { RequestError } from '../protocol/requests';
import { AttachmentView } from './Attachment';
import { Avatar } from './Avatar';

afterEach(cleanup);

/** A cache whose server answers every key with `https://s3.test/<key>?sig` (or refuses some). */
function makeCache(refuse: string[] = []) {
  const asked: string[][] = [];
  const cache = new DownloadUrlCache({
    batchWindowMs: 0,
    fetchUrls: async (keys): Promise<DownloadUrlsAnswer> => {
      asked.push(keys);
      if (keys.some((k) => refuse.includes(k))) throw new RequestError('forbidden_media', 'not yours', 'getDownloadUrl');
      return { urls: Object.fromEntries(keys.map((k) => [k, `https://s3.test/${k}?sig`])), expiresAt: Date.now() + 600_000 };
    },
  });
  cache.setOnline(true);
  const wrap = ({ children }: { children: ReactNode }) => <MediaContext.Provider value={cache}>{children}</MediaContext.Provider>;
  return { cache, asked, wrap };
}

const image: Attachment = { key: 'attachments/dm/alice/bob/bob/1.png', name: 'cat photo.png', contentType: 'image/png', size: 48_213 };
const pdf: Attachment = { key: 'attachments/dm/alice/bob/bob/2.pdf', name: 'Report Q3.pdf', contentType: 'application/pdf', size: 2.5 * 1024 * 1024 };

describe('Avatar', () => {
  it('shows the initials without a picture, and asks for no URL', () => {
    const { asked, wrap } = makeCache();
    render(<Avatar name="bob_smith" online />, { wrapper: wrap });
    const avatar = screen.getByRole('img', { name: 'Avatar of bob_smith' });
    expect(avatar.tagName).toBe('SPAN');
    expect(avatar.textContent).toBe('BS');
    expect(asked).toEqual([]);
  });

  it('shows the picture through the download-URL cache when the user has one', async () => {
    const { asked, wrap } = makeCache();
    render(<Avatar name="Bob" avatarKey="avatars/bob/1.png" />, { wrapper: wrap });
    const img = await screen.findByRole('img', { name: 'Avatar of Bob' }, { timeout: 2000 });
    await waitFor(() => expect(screen.getByTestId('avatar').tagName).toBe('IMG'));
    expect(screen.getByTestId('avatar').getAttribute('src')).toBe('https://s3.test/avatars/bob/1.png?sig');
    expect(img).toBeTruthy();
    expect(asked).toEqual([['avatars/bob/1.png']]);
    // Only one accessible image: the initials behind it are hidden.
    expect(screen.getAllByRole('img')).toHaveLength(1);
  });

  it('falls back to the initials when the picture cannot be had', async () => {
    const { asked, wrap } = makeCache(['avatars/bob/1.png']);
    render(<Avatar name="Bob" avatarKey="avatars/bob/1.png" />, { wrapper: wrap });
    await waitFor(() => expect(asked).toHaveLength(1));
    await act(async () => {});
    expect(screen.getByTestId('avatar').tagName).toBe('SPAN');
    expect(screen.getByTestId('avatar').textContent).toBe('BO');
  });
});

describe('AttachmentView', () => {
  it('shows an image inline, with the file name as alt text; a click opens it in the in-app viewer with a fresh URL', async () => {
    const { cache, wrap } = makeCache();
    render(<AttachmentView attachment={image} mine={false} />, { wrapper: wrap });
    expect(screen.getByTestId('attachment').dataset.loading).toBe('true');
    const img = (await screen.findByRole('img', { name: 'cat photo.png' })) as HTMLImageElement;
    await waitFor(() => expect(img.getAttribute('src')).toBe('https://s3.test/attachments/dm/alice/bob/bob/1.png?sig'));
    const opener = screen.getByTestId('attachment');
    expect(opener.tagName).toBe('BUTTON');
    expect(opener.dataset.kind).toBe('image');
    // Not a link to the presigned URL: that one stops working 10 minutes later.
    expect(screen.queryByRole('link')).toBeNull();

    const askedForUrl = vi.spyOn(cache, 'url');
    opener.focus();
    fireEvent.click(opener);
    const viewer = await screen.findByRole('dialog', { name: 'cat photo.png' });
    expect(askedForUrl).toHaveBeenCalledWith(image.key);
    await waitFor(() => expect(screen.getByTestId('image-viewer-image').getAttribute('src')).toBe('https://s3.test/attachments/dm/alice/bob/bob/1.png?sig'));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Close' }));

    // Escape closes it and puts focus back on the image.
    fireEvent.keyDown(viewer, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it('the viewer asks for a fresh URL once when the image fails to load there', async () => {
    const { cache, asked, wrap } = makeCache();
    render(<AttachmentView attachment={image} mine={false} />, { wrapper: wrap });
    await screen.findByRole('img', { name: 'cat photo.png' });
    fireEvent.click(screen.getByTestId('attachment'));
    const shown = await screen.findByTestId('image-viewer-image');
    const invalidate = vi.spyOn(cache, 'invalidate');
    fireEvent.error(shown);
    await waitFor(() => expect(invalidate).toHaveBeenCalledWith(image.key));
    await waitFor(() => expect(asked).toHaveLength(2));
    fireEvent.error(await screen.findByTestId('image-viewer-image'));
    expect(await screen.findByTestId('image-viewer-error')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('shows any other file as a chip that downloads it under its name', async () => {
    const { wrap } = makeCache();
    const fetchMock = vi.fn(async () => new Response(new Blob(['%PDF-1.4'], { type: 'application/pdf' })));
    vi.stubGlobal('fetch', fetchMock);
    const created = vi.spyOn(URL, 'createObjectURL').mockImplementation(() => 'blob:chat/1');
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const clicks: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push(this);
    });
    render(<AttachmentView attachment={pdf} mine />, { wrapper: wrap });
    const chip = screen.getByRole('button', { name: 'Download Report Q3.pdf, 2.5 MB' });
    expect(chip.dataset.kind).toBe('file');
    expect(screen.getByTestId('attachment-name').textContent).toBe('Report Q3.pdf');
    expect(screen.getByTestId('attachment-size').textContent).toBe('2.5 MB');
    expect(screen.queryByRole('img')).toBeNull();
    fireEvent.click(chip);
    await waitFor(() => expect(clicks).toHaveLength(1));
    expect(fetchMock).toHaveBeenCalledWith('https://s3.test/attachments/dm/alice/bob/bob/2.pdf?sig');
    expect(clicks[0]!.download).toBe('Report Q3.pdf');
    expect(clicks[0]!.getAttribute('href')).toBe('blob:chat/1');
    expect(created.mock.calls[0]![0]).toBeInstanceOf(Blob);
    vi.unstubAllGlobals();
  });

  it('says so when a download fails', async () => {
    const { wrap } = makeCache();
    vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 500 })));
    render(<AttachmentView attachment={pdf} mine={false} />, { wrapper: wrap });
    fireEvent.click(screen.getByRole('button', { name: /^Download Report Q3.pdf/ }));
    expect((await screen.findByRole('alert')).textContent).toBe('Download failed. Try again.');
    vi.unstubAllGlobals();
  });

  it('an image that cannot be had becomes a chip', async () => {
    const { wrap } = makeCache([image.key]);
    render(<AttachmentView attachment={image} mine={false} />, { wrapper: wrap });
    await waitFor(() => expect(screen.getByTestId('attachment').dataset.kind).toBe('file'));
    expect(screen.getByTestId('attachment-size').textContent).toBe('47.1 KB · preview unavailable');
  });
});
