import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from './appConfig';

const auth = { region: 'us-east-1', userPoolId: 'us-east-1_AbC123xyz', userPoolClientId: '5b1c2d3e4f5g6h7i8j9k0lmnop' };

describe('config.json', () => {
  it('reads the WebSocket URL and the user pool; endpoint only when present (local stack)', () => {
    expect(parseConfig({ websocketUrl: 'wss://api.example.com/prod', auth })).toEqual({ websocketUrl: 'wss://api.example.com/prod', auth });
    const local = parseConfig({ websocketUrl: 'ws://127.0.0.1:8707/local', auth: { ...auth, endpoint: 'http://127.0.0.1:8709/' } });
    expect(local.auth).toEqual({ ...auth, endpoint: 'http://127.0.0.1:8709' });
  });

  it.each([
    [{ auth }, /"websocketUrl" must be a ws:\/\/ or wss:\/\/ URL/],
    [{ websocketUrl: 'https://x', auth }, /"websocketUrl"/],
    [{ websocketUrl: 'wss://x' }, /"auth" must be an object/],
    [{ websocketUrl: 'wss://x', auth: 'pool' }, /"auth" must be an object/],
    [{ websocketUrl: 'wss://x', auth: { ...auth, region: 'Virginia' } }, /auth: "region" must be an AWS region/],
    [{ websocketUrl: 'wss://x', auth: { ...auth, userPoolId: 'eu-west-1_AbC123' } }, /"userPoolId" must be a user pool id of us-east-1/],
    [{ websocketUrl: 'wss://x', auth: { ...auth, userPoolId: 'AbC123' } }, /"userPoolId"/],
    [{ websocketUrl: 'wss://x', auth: { ...auth, userPoolClientId: '' } }, /"userPoolClientId" must be an app client id/],
    [{ websocketUrl: 'wss://x', auth: { ...auth, userPoolClientId: 'a b' } }, /"userPoolClientId"/],
    [{ websocketUrl: 'wss://x', auth: { ...auth, endpoint: 'ftp://x' } }, /"endpoint" must be an http/],
    [{ websocketUrl: 'wss://x', auth: { ...auth, endpoint: 8709 } }, /"endpoint"/],
    [null, /"websocketUrl"/],
  ])('refuses %j', (data, message) => {
    expect(() => parseConfig(data)).toThrow(message);
  });

  it('fetches ./config.json without the cache and says which file is wrong', async () => {
    const seen: [string, RequestInit | undefined][] = [];
    const ok = (async (url: string, init?: RequestInit) => {
      seen.push([url, init]);
      return Response.json({ websocketUrl: 'wss://x/prod', auth });
    }) as unknown as typeof fetch;
    await expect(loadConfig(ok)).resolves.toEqual({ websocketUrl: 'wss://x/prod', auth });
    expect(seen).toEqual([['./config.json', { cache: 'no-store' }]]);
    const missing = (async () => new Response('nope', { status: 404 })) as unknown as typeof fetch;
    await expect(loadConfig(missing)).rejects.toThrow('./config.json: HTTP 404');
    const old = (async () => Response.json({ websocketUrl: 'wss://x/prod' })) as unknown as typeof fetch;
    await expect(loadConfig(old)).rejects.toThrow('./config.json: "auth" must be an object');
  });
});
