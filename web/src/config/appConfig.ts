// Runtime configuration: ./config.json next to index.html, written by the local stack or the deployment.

/** The Cognito user pool the browser signs in with. */
export interface AuthConfig {
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  /**
   * Only on the local stack: the Cognito emulator's URL (MiniStack). Absent on AWS, where the
   * regional endpoint is used. Also where the emulator's outbox is (`/_ministack/ses/messages`).
   */
  endpoint?: string;
}

export interface AppConfig {
  websocketUrl: string;
  auth: AuthConfig;
}

const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
// Cognito's own patterns: pool id `<region>_<id>`, client id `[\w+]+` of at most 128 characters.
const POOL_ID_RE = /^([a-z]{2}(?:-[a-z]+)+-\d{1,2})_[0-9A-Za-z]+$/;
const CLIENT_ID_RE = /^[\w+]{1,128}$/;

export class ConfigError extends Error {}

function field(obj: Record<string, unknown>, name: string, valid: (v: string) => boolean, rule: string, where: string): string {
  const value = obj[name];
  if (typeof value !== 'string' || !valid(value)) throw new ConfigError(`${where}: "${name}" must be ${rule}`);
  return value;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function parseAuth(data: unknown, source: string): AuthConfig {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(`${source}: "auth" must be an object with region, userPoolId and userPoolClientId`);
  }
  const auth = data as Record<string, unknown>;
  const where = `${source} auth`;
  const region = field(auth, 'region', (v) => REGION_RE.test(v), 'an AWS region such as "us-east-1"', where);
  // Amplify takes the region from the pool id: a pool of another region would be looked up there.
  const userPoolId = field(auth, 'userPoolId', (v) => POOL_ID_RE.exec(v)?.[1] === region, `a user pool id of ${region} ("${region}_…")`, where);
  const userPoolClientId = field(auth, 'userPoolClientId', (v) => CLIENT_ID_RE.test(v), 'an app client id', where);
  if (auth.endpoint === undefined) return { region, userPoolId, userPoolClientId };
  const endpoint = field(auth, 'endpoint', isHttpUrl, 'an http:// or https:// URL when present', where);
  return { region, userPoolId, userPoolClientId, endpoint: endpoint.replace(/\/+$/, '') };
}

/** Validates config.json's content; throws a ConfigError that says which field is wrong. */
export function parseConfig(data: unknown, source = 'config.json'): AppConfig {
  const obj = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const websocketUrl = field(obj, 'websocketUrl', (v) => /^wss?:\/\/./.test(v), 'a ws:// or wss:// URL', source);
  return { websocketUrl, auth: parseAuth(obj.auth, source) };
}

export async function loadConfig(fetchImpl: typeof fetch = fetch, url = './config.json'): Promise<AppConfig> {
  const res = await fetchImpl(url, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return parseConfig(await res.json(), url);
}
