import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { fetchBlob, saveBlob } from '../lib/download';
import { useMediaCache } from '../media/mediaContext';
import { formatBytes } from '../media/mediaRules';
import type { Attachment } from '../protocol/frames';

export interface ImageViewerProps {
  attachment: Attachment;
  onClose(): void;
}

/**
 * An image shown large in the app (a modal dialog): it asks the download-URL cache for a fresh
 * URL when opened (a presigned URL lasts 10 minutes, so a link to one goes stale in a tab), once
 * more if the image fails to load. Escape, the Close button or a click beside the image close it;
 * focus goes back to whatever opened it.
 */
export function ImageViewer({ attachment, onClose }: ImageViewerProps) {
  const cache = useMediaCache();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const retried = useRef(false);

  useEffect(() => {
    let live = true;
    if (!cache) {
      setFailed(true);
      return;
    }
    cache.url(attachment.key).then(
      (fresh) => live && setUrl(fresh),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [cache, attachment.key]);

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) {
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    }
    closeRef.current?.focus();
    return () => opener?.focus();
  }, []);

  const onImageError = async () => {
    if (!cache || retried.current) return setFailed(true);
    retried.current = true;
    cache.invalidate(attachment.key);
    try {
      setUrl(await cache.url(attachment.key));
    } catch {
      setFailed(true);
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.preventDefault();
    e.stopPropagation();
    onClose();
  };
  // A click on the backdrop (the dialog itself, around its content) closes it.
  const onClick = (e: MouseEvent) => {
    if (e.target === e.currentTarget) onClose();
  };

  const download = async () => {
    if (!url) return;
    try {
      saveBlob(await fetchBlob(url), attachment.name);
    } catch {
      setFailed(true);
    }
  };

  return (
    <dialog
      ref={dialogRef}
      aria-label={attachment.name}
      data-testid="image-viewer"
      onKeyDown={onKeyDown}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={onClick}
      className="fixed inset-0 m-0 flex h-full max-h-none w-full max-w-none flex-col items-center justify-center gap-3 bg-slate-950/90 p-4 text-slate-100 backdrop:bg-transparent"
    >
      <div className="flex w-full max-w-5xl items-center gap-3">
        <p className="min-w-0 flex-1 truncate text-sm">
          <span className="font-medium">{attachment.name}</span>
          <span className="text-slate-400"> · {formatBytes(attachment.size)}</span>
        </p>
        <button
          type="button"
          onClick={download}
          disabled={!url}
          className="rounded-full px-3 py-1 text-sm font-medium hover:bg-white/10 focus-visible:outline-2 focus-visible:outline-white disabled:opacity-50"
        >
          Download
        </button>
        <button
          ref={closeRef}
          type="button"
          onClick={onClose}
          className="rounded-full px-3 py-1 text-sm font-medium hover:bg-white/10 focus-visible:outline-2 focus-visible:outline-white"
        >
          Close
        </button>
      </div>
      {failed ? (
        <p role="alert" data-testid="image-viewer-error" className="text-sm">
          The image could not be loaded.
        </p>
      ) : url ? (
        <img
          src={url}
          alt={attachment.name}
          data-testid="image-viewer-image"
          onError={onImageError}
          className="max-h-[calc(100%-4rem)] max-w-full rounded-lg object-contain"
        />
      ) : (
        <p role="status" className="text-sm">
          Loading image…
        </p>
      )}
    </dialog>
  );
}
