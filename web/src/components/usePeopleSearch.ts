// React glue of the people directory search (state/peopleSearch.ts): one search per component.
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { PeopleSearch, type PeopleSearchState } from '../state/peopleSearch';
import type { ChatSession } from '../state/session';

export function usePeopleSearch(session: Pick<ChatSession, 'searchPeople'>): [PeopleSearchState, PeopleSearch] {
  const search = useMemo(() => new PeopleSearch({ search: (prefix, cursor) => session.searchPeople(prefix, cursor) }), [session]);
  useEffect(() => () => search.dispose(), [search]);
  const state = useSyncExternalStore(search.subscribe, search.getSnapshot, search.getSnapshot);
  return [state, search];
}
