import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PeopleEvent } from '../protocol/frames';
import { RequestError } from '../protocol/requests';
import { PEOPLE_SEARCH_DEBOUNCE_MS, PeopleSearch } from './peopleSearch';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup() {
  const calls: { prefix: string; cursor: string | null; resolve(e: PeopleEvent): void; reject(e: unknown): void }[] = [];
  const search = new PeopleSearch({
    search: (prefix, cursor) => new Promise((resolve, reject) => calls.push({ prefix, cursor, resolve, reject })),
  });
  const page = (names: string[], nextCursor: string | null = null): PeopleEvent => ({ type: 'people', users: names.map((username) => ({ username })), nextCursor });
  return { search, calls, page };
}

describe('PeopleSearch (the directory as typed)', () => {
  it('searches the lower-case prefix once typing pauses', async () => {
    const { search, calls, page } = setup();
    search.setQuery('B');
    search.setQuery('Bo');
    expect(search.getSnapshot()).toMatchObject({ prefix: 'bo', loading: true });
    await vi.advanceTimersByTimeAsync(PEOPLE_SEARCH_DEBOUNCE_MS);
    expect(calls.map((c) => [c.prefix, c.cursor])).toEqual([['bo', null]]);
    calls[0]!.resolve(page(['bob', 'Bobby'], 'P1'));
    await vi.advanceTimersByTimeAsync(0);
    expect(search.getSnapshot()).toMatchObject({ results: [{ username: 'bob' }, { username: 'Bobby' }], nextCursor: 'P1', loading: false, done: true });
  });

  it('pages: more results are added with the cursor', async () => {
    const { search, calls, page } = setup();
    search.setQuery('b');
    await vi.advanceTimersByTimeAsync(PEOPLE_SEARCH_DEBOUNCE_MS);
    calls[0]!.resolve(page(['b1'], 'P1'));
    await vi.advanceTimersByTimeAsync(0);
    expect(search.loadMore()).toBe(true);
    expect(search.loadMore()).toBe(false); // one at a time
    expect(calls[1]).toMatchObject({ prefix: 'b', cursor: 'P1' });
    calls[1]!.resolve(page(['b2']));
    await vi.advanceTimersByTimeAsync(0);
    expect(search.getSnapshot().results.map((r) => r.username)).toEqual(['b1', 'b2']);
    expect(search.loadMore()).toBe(false); // the last page
  });

  it("an older query's answer never replaces a newer one's", async () => {
    const { search, calls, page } = setup();
    search.setQuery('a');
    await vi.advanceTimersByTimeAsync(PEOPLE_SEARCH_DEBOUNCE_MS);
    search.setQuery('ab');
    await vi.advanceTimersByTimeAsync(PEOPLE_SEARCH_DEBOUNCE_MS);
    calls[1]!.resolve(page(['abe']));
    await vi.advanceTimersByTimeAsync(0);
    calls[0]!.resolve(page(['amy']));
    await vi.advanceTimersByTimeAsync(0);
    expect(search.getSnapshot().results).toEqual([{ username: 'abe' }]);
  });

  it('nothing is asked for an empty query or one that is no username prefix; a refusal is explained', async () => {
    const { search, calls } = setup();
    search.setQuery('  ');
    search.setQuery('b o');
    await vi.advanceTimersByTimeAsync(PEOPLE_SEARCH_DEBOUNCE_MS);
    expect(calls).toEqual([]);
    expect(search.getSnapshot().error).toMatch(/start of a username/);
    search.setQuery('bo');
    await vi.advanceTimersByTimeAsync(PEOPLE_SEARCH_DEBOUNCE_MS);
    calls[0]!.reject(new RequestError('offline', 'Not connected'));
    await vi.advanceTimersByTimeAsync(0);
    expect(search.getSnapshot()).toMatchObject({ loading: false, results: [], error: expect.stringMatching(/Not connected/) });
  });
});
