// Saving a file under its own name. The `download` attribute is ignored for cross-origin links
// (the presigned S3 URL), so the file is fetched into a Blob and saved from an object URL.

/** Hands a Blob to the browser as a download named `name`. */
export function saveBlob(blob: Blob, name: string, doc: Document = document): void {
  const objectUrl = URL.createObjectURL(blob);
  const a = doc.createElement('a');
  a.href = objectUrl;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  doc.body.appendChild(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(objectUrl), 60_000);
}

export class DownloadError extends Error {
  constructor(readonly status: number) {
    super(status ? `HTTP ${status}` : 'network error');
    this.name = 'DownloadError';
  }
}

/** Fetches `url` into a Blob; throws DownloadError (status 0 when the network failed). */
export async function fetchBlob(url: string, fetchImpl: (url: string) => Promise<Response> = (u) => globalThis.fetch(u)): Promise<Blob> {
  let res: Response;
  try {
    res = await fetchImpl(url);
  } catch {
    throw new DownloadError(0);
  }
  if (!res.ok) throw new DownloadError(res.status);
  return res.blob();
}
