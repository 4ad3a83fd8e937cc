import { useState } from 'react';
import { userKey } from '../protocol/chatRules';
import type { ChatSession } from '../state/session';
import { PeopleSearchResults } from './PeopleSearchResults';
import { usePeopleSearch } from './usePeopleSearch';

export interface PeoplePickerProps {
  session: Pick<ChatSession, 'searchPeople'>;
  /** The people picked so far (display names). */
  picked: string[];
  onChange(picked: string[]): void;
  /** Never offered (me, the room's members), by key. */
  exclude?: ReadonlySet<string>;
  /** At most this many can be picked (50 per request). */
  max: number;
  /** The search field's label. */
  label?: string;
  id: string;
}

/** Picks people from the directory: a search field, the results to add, the picked ones as removable chips. */
export function PeoplePicker({ session, picked, onChange, exclude, max, label = 'Add people', id }: PeoplePickerProps) {
  const [search, people] = usePeopleSearch(session);
  const [query, setQuery] = useState('');
  const pickedKeys = new Set(picked.map(userKey));
  const hidden = new Set([...(exclude ?? []), ...pickedKeys]);
  const full = picked.length >= max;
  return (
    <div className="flex flex-col gap-2">
      {picked.length > 0 && (
        <ul aria-label="People picked" data-testid="picked-people" className="flex flex-wrap gap-1.5">
          {picked.map((name) => (
            <li key={userKey(name)} data-testid={`picked-${userKey(name)}`} className="flex items-center gap-1 rounded-full bg-indigo-100 py-0.5 pr-1 pl-2.5 text-sm text-indigo-900 dark:bg-indigo-950 dark:text-indigo-100">
              {name}
              <button
                type="button"
                aria-label={`Remove ${name}`}
                onClick={() => onChange(picked.filter((p) => userKey(p) !== userKey(name)))}
                className="rounded-full px-1.5 leading-none hover:bg-indigo-200 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-indigo-900"
              >
                <span aria-hidden="true">×</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <input
        id={id}
        type="search"
        data-testid="member-search"
        autoComplete="off"
        placeholder="Type the start of a username"
        value={query}
        disabled={full}
        aria-controls={`${id}-results`}
        onChange={(e) => {
          setQuery(e.target.value);
          people.setQuery(e.target.value);
        }}
        className="w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/30 disabled:opacity-50 dark:border-slate-700 dark:bg-slate-950"
      />
      {full && <p className="text-xs text-slate-500 dark:text-slate-400">At most {max} people at once.</p>}
      {query.trim() !== '' && (
        <PeopleSearchResults
          id={`${id}-results`}
          testId="member-results"
          search={search}
          exclude={hidden}
          actionLabel={(name) => `Add ${name}`}
          onPick={(person) => {
            if (!full) onChange([...picked, person.username]);
          }}
          onLoadMore={() => people.loadMore()}
        />
      )}
    </div>
  );
}
