// The people directory as typed into a search box: a prefix search (`searchPeople`), sent once
// typing pauses, paged ("more" at the end of the list). An answer to an older query never
// replaces a newer one's. Not React: a tiny store the components subscribe to.
import { peoplePrefix } from '../protocol/chatRules';
import type { PeopleEvent } from '../protocol/frames';
import { RequestError } from '../protocol/requests';
import { errorText } from '../protocol/errorMessages';

export const PEOPLE_SEARCH_DEBOUNCE_MS = 250;

export interface PersonResult {
  username: string;
  avatarKey?: string;
}

export interface PeopleSearchState {
  /** What is typed. */
  query: string;
  /** The prefix searched for (null: nothing to search: empty, or not a username prefix). */
  prefix: string | null;
  results: PersonResult[];
  nextCursor: string | null;
  /** A page is on its way (or typing has not paused yet). */
  loading: boolean;
  /** The results are those of `prefix` (an answer came). */
  done: boolean;
  error: string | null;
}

export interface PeopleSearchOptions {
  search(prefix: string, cursor: string | null): Promise<PeopleEvent>;
  debounceMs?: number;
}

const initial: PeopleSearchState = { query: '', prefix: null, results: [], nextCursor: null, loading: false, done: false, error: null };

export class PeopleSearch {
  private state: PeopleSearchState = initial;
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Bumped by every new query: answers of older ones are dropped. */
  private generation = 0;

  constructor(private readonly opts: PeopleSearchOptions) {}

  readonly getSnapshot = (): PeopleSearchState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  setQuery(query: string): void {
    const prefix = peoplePrefix(query);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (prefix === this.state.prefix && (this.state.done || this.state.loading)) {
      this.set({ ...this.state, query });
      return;
    }
    this.generation += 1;
    if (prefix === null) {
      const error = query.trim() && query.trim().length <= 32 ? errorText('invalid_prefix') : null;
      this.set({ ...initial, query, error });
      return;
    }
    // The previous results stay on screen until the new ones come.
    this.set({ ...this.state, query, prefix, loading: true, done: false, error: null });
    const generation = this.generation;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.fetch(prefix, null, generation);
    }, this.opts.debounceMs ?? PEOPLE_SEARCH_DEBOUNCE_MS);
  }

  /** The next page of the current results; false when there is none or one is loading. */
  loadMore(): boolean {
    const { prefix, nextCursor, loading, done } = this.state;
    if (prefix === null || nextCursor === null || loading || !done) return false;
    this.set({ ...this.state, loading: true });
    void this.fetch(prefix, nextCursor, this.generation);
    return true;
  }

  clear(): void {
    this.setQuery('');
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.generation += 1;
  }

  private async fetch(prefix: string, cursor: string | null, generation: number): Promise<void> {
    try {
      const page = await this.opts.search(prefix, cursor);
      if (generation !== this.generation) return;
      const results = cursor === null ? page.users : [...this.state.results, ...page.users];
      this.set({ ...this.state, results, nextCursor: page.nextCursor, loading: false, done: true, error: null });
    } catch (error) {
      if (generation !== this.generation) return;
      const message = error instanceof RequestError ? errorText(error.code, error.message) : errorText('');
      this.set({ ...this.state, loading: false, done: cursor !== null, results: cursor === null ? [] : this.state.results, error: message });
    }
  }

  private set(state: PeopleSearchState): void {
    this.state = state;
    for (const l of [...this.listeners]) l();
  }
}
