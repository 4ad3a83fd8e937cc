import { useRef, useState } from 'react';
import { DownloadError, fetchBlob, saveBlob } from '../lib/download';
import { useMediaCache, useMediaUrl } from '../media/mediaContext';
import { formatBytes, isImageType } from '../media/mediaRules';
import type { Attachment } from '../protocol/frames';
import { DownloadIcon, FileIcon } from './icons';
import { ImageViewer } from './ImageViewer';

export interface AttachmentViewProps {
  attachment: Attachment;
  /** Sent by me: the chip takes the colours of my bubbles. */
  mine: boolean;
}

/** A message's file: images inline (a click opens them in the in-app viewer), anything else a download chip. */
export function AttachmentView({ attachment, mine }: AttachmentViewProps) {
  return isImageType(attachment.contentType) ? <AttachmentImage attachment={attachment} mine={mine} /> : <AttachmentFile attachment={attachment} mine={mine} />;
}

function AttachmentImage({ attachment, mine }: AttachmentViewProps) {
  const cache = useMediaCache();
  const entry = useMediaUrl(attachment.key);
  const [broken, setBroken] = useState<string | null>(null);
  const [viewing, setViewing] = useState(false);
  const retried = useRef(false);
  const url = entry?.url && entry.url !== broken ? entry.url : null;
  // Refused, or the fresh URL asked for after a failed load failed too.
  const failed = !url && (entry?.error != null || (entry?.fresh === true && entry.url === broken));

  if (failed) return <AttachmentFile attachment={attachment} mine={mine} unavailable />;
  if (!url) {
    return (
      <div
        data-testid="attachment"
        data-kind="image"
        data-loading="true"
        role="img"
        aria-label={`${attachment.name} (loading)`}
        className="flex h-40 w-56 max-w-full animate-pulse items-center justify-center rounded-xl bg-slate-200 text-xs text-slate-500 dark:bg-slate-700 dark:text-slate-400"
      >
        <span aria-hidden="true">Loading image…</span>
      </div>
    );
  }
  return (
    <>
      <button
        type="button"
        data-testid="attachment"
        data-kind="image"
        aria-haspopup="dialog"
        title={`${attachment.name} · ${formatBytes(attachment.size)}`}
        onClick={() => setViewing(true)}
        className="block max-w-full cursor-zoom-in overflow-hidden rounded-xl focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500"
      >
        <img
          src={url}
          alt={attachment.name}
          data-testid="attachment-image"
          loading="lazy"
          onError={() => {
            setBroken(url);
            // Perhaps expired (a sleeping laptop): one fresh URL, then the download chip.
            if (!retried.current) {
              retried.current = true;
              cache?.invalidate(attachment.key);
            }
          }}
          className="block max-h-64 w-auto max-w-full rounded-xl bg-slate-100 object-contain sm:max-w-xs dark:bg-slate-800"
        />
      </button>
      {viewing && <ImageViewer attachment={attachment} onClose={() => setViewing(false)} />}
    </>
  );
}

function AttachmentFile({ attachment, mine, unavailable = false }: AttachmentViewProps & { unavailable?: boolean }) {
  const cache = useMediaCache();
  const [state, setState] = useState<'idle' | 'downloading' | 'failed'>('idle');
  const size = formatBytes(attachment.size);

  const download = async () => {
    if (!cache || state === 'downloading') return;
    setState('downloading');
    try {
      let blob: Blob;
      try {
        blob = await fetchBlob(await cache.url(attachment.key));
      } catch (error) {
        // A URL that stopped working (403): once more with a fresh one.
        if (!(error instanceof DownloadError) || error.status !== 403) throw error;
        cache.invalidate(attachment.key);
        blob = await fetchBlob(await cache.url(attachment.key));
      }
      saveBlob(blob, attachment.name);
      setState('idle');
    } catch {
      setState('failed');
    }
  };

  return (
    <div className={`flex flex-col ${mine ? 'items-end' : 'items-start'}`}>
      <button
        type="button"
        data-testid="attachment"
        data-kind="file"
        aria-label={`Download ${attachment.name}, ${size}`}
        aria-busy={state === 'downloading' || undefined}
        title={attachment.name}
        onClick={download}
        disabled={!cache}
        className={`flex max-w-full items-center gap-3 rounded-2xl px-3 py-2 text-left ring-1 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 disabled:cursor-not-allowed ${
          mine
            ? 'bg-indigo-50 text-indigo-950 ring-indigo-200 hover:bg-indigo-100 dark:bg-indigo-950 dark:text-indigo-50 dark:ring-indigo-800 dark:hover:bg-indigo-900'
            : 'bg-slate-50 text-slate-900 ring-slate-200 hover:bg-slate-100 dark:bg-slate-800 dark:text-slate-100 dark:ring-slate-700 dark:hover:bg-slate-700'
        }`}
      >
        <FileIcon contentType={attachment.contentType} />
        <span className="min-w-0">
          {/* Capped so a long name is cut with an ellipsis instead of widening the message past a phone's screen. */}
          <span data-testid="attachment-name" className="block max-w-[min(20rem,52vw)] truncate font-medium">
            {attachment.name}
          </span>
          <span data-testid="attachment-size" className="block text-xs text-slate-500 dark:text-slate-400">
            {state === 'downloading' ? 'Downloading…' : unavailable ? `${size} · preview unavailable` : size}
          </span>
        </span>
        <DownloadIcon className="h-5 w-5 shrink-0 text-slate-500 dark:text-slate-400" />
      </button>
      {state === 'failed' && (
        <span role="alert" data-testid="attachment-error" className="px-2 text-[11px] text-red-600 dark:text-red-400">
          Download failed. Try again.
        </span>
      )}
    </div>
  );
}
