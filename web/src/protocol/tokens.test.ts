import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeTokens } from '../test/fakes';
import { MIN_REFRESH_INTERVAL_MS, REFRESH_BEFORE_EXPIRY_MS, REFRESH_RETRY_MS, TokenKeeper } from './tokens';

const HOUR = 60 * 60 * 1000;

function keeper(tokens = new FakeTokens()) {
  const ended = vi.fn();
  const k = new TokenKeeper({ source: tokens.source, onSessionEnded: ended });
  return { k, tokens, ended };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('TokenKeeper', () => {
  it('hands out the current token and refreshes it 5 minutes before it expires', async () => {
    const { k, tokens, ended } = keeper();
    expect(await k.token({ forceRefresh: false })).toBe('jwt-1');
    await vi.advanceTimersByTimeAsync(HOUR - REFRESH_BEFORE_EXPIRY_MS - 1);
    expect(tokens.calls).toEqual([{ forceRefresh: false }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(tokens.calls).toEqual([{ forceRefresh: false }, { forceRefresh: true }]);
    // And again before the refreshed one expires.
    await vi.advanceTimersByTimeAsync(HOUR - REFRESH_BEFORE_EXPIRY_MS);
    expect(tokens.calls).toHaveLength(3);
    expect(await k.token({ forceRefresh: false })).toBe('jwt-3');
    expect(ended).not.toHaveBeenCalled();
  });

  it('refreshes a token about to expire before handing it out (clock skew with the authorizer)', async () => {
    const { k, tokens } = keeper(new FakeTokens(Date.now, 2 * 60 * 1000));
    expect(await k.token({ forceRefresh: false })).toBe('jwt-2');
    expect(tokens.calls).toEqual([{ forceRefresh: false }, { forceRefresh: true }]);
  });

  it('forces a refresh when asked (after a refused handshake)', async () => {
    const { k, tokens } = keeper();
    expect(await k.token({ forceRefresh: true })).toBe('jwt-2');
    expect(tokens.calls).toEqual([{ forceRefresh: true }]);
  });

  it('a background refresh that finds no session stops and reports the end once', async () => {
    const { k, tokens, ended } = keeper();
    await k.token({ forceRefresh: false });
    tokens.ended();
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(ended).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5 * HOUR);
    expect(tokens.calls).toHaveLength(2);
    expect(await k.token({ forceRefresh: false })).toBeNull();
  });

  it('a refresh that fails on the network is tried again a minute later', async () => {
    const { k, tokens, ended } = keeper();
    await k.token({ forceRefresh: false });
    tokens.failing(true);
    await vi.advanceTimersByTimeAsync(HOUR - REFRESH_BEFORE_EXPIRY_MS);
    expect(tokens.calls).toHaveLength(2);
    tokens.failing(false);
    await vi.advanceTimersByTimeAsync(REFRESH_RETRY_MS);
    expect(tokens.calls).toHaveLength(3);
    expect(ended).not.toHaveBeenCalled();
  });

  it('no session when a connection asks: null, without reporting (the transport does)', async () => {
    const tokens = new FakeTokens();
    tokens.ended();
    const { k, ended } = keeper(tokens);
    expect(await k.token({ forceRefresh: false })).toBeNull();
    expect(ended).not.toHaveBeenCalled();
  });

  it('short-lived tokens are not refreshed in a loop', async () => {
    const { k, tokens } = keeper(new FakeTokens(Date.now, 60 * 1000));
    await k.token({ forceRefresh: false });
    const before = tokens.calls.length;
    await vi.advanceTimersByTimeAsync(MIN_REFRESH_INTERVAL_MS * 10);
    expect(tokens.calls.length - before).toBeLessThanOrEqual(10);
  });

  it('stop() ends the refreshes', async () => {
    const { k, tokens } = keeper();
    await k.token({ forceRefresh: false });
    k.stop();
    await vi.advanceTimersByTimeAsync(5 * HOUR);
    expect(tokens.calls).toHaveLength(1);
  });
});
