// Runtime configuration: ./config.json next to index.html, written by the local stack or the deployment.
export interface AppConfig {
  websocketUrl: string;
}

export async function loadConfig(fetchImpl: typeof fetch = fetch, url = './config.json'): Promise<AppConfig> {
  const res = await fetchImpl(url, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const data: unknown = await res.json();
  const websocketUrl = (data as { websocketUrl?: unknown } | null)?.websocketUrl;
  if (typeof websocketUrl !== 'string' || !/^wss?:\/\/./.test(websocketUrl)) {
    throw new Error(`${url}: "websocketUrl" must be a ws:// or wss:// URL`);
  }
  return { websocketUrl };
}
