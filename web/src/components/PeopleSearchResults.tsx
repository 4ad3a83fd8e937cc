import { userKey } from '../protocol/chatRules';
import type { PeopleSearchState, PersonResult } from '../state/peopleSearch';
import { Avatar } from './Avatar';

export interface PeopleSearchResultsProps {
  search: PeopleSearchState;
  /** What picking a person does, for its accessible name: "Message Bob", "Add Bob". */
  actionLabel(username: string): string;
  onPick(person: PersonResult): void;
  onLoadMore(): void;
  /** People not offered (me, those already picked or in the room), by key. */
  exclude?: ReadonlySet<string>;
  /** `people-results` (the inbox) or `member-results` (picking members). */
  testId: string;
  id?: string;
}

/** The people a directory search found: buttons, then "More people" while the server has more. */
export function PeopleSearchResults({ search, actionLabel, onPick, onLoadMore, exclude, testId, id }: PeopleSearchResultsProps) {
  const shown = search.results.filter((p) => !exclude?.has(userKey(p.username)));
  return (
    <div id={id} data-testid={testId} className="flex flex-col gap-1" aria-busy={search.loading || undefined}>
      {search.error && (
        <p role="alert" data-testid={`${testId}-error`} className="px-2 py-1 text-sm text-red-600 dark:text-red-400">
          {search.error}
        </p>
      )}
      {search.prefix !== null && search.done && shown.length === 0 && !search.error && (
        <p data-testid={`${testId}-empty`} className="px-2 py-1 text-sm text-slate-500 dark:text-slate-400">
          Nobody’s username starts with “{search.prefix}”.
        </p>
      )}
      {shown.length > 0 && (
        <ul aria-label="People found" className="flex flex-col gap-0.5">
          {shown.map((p) => (
            <li key={userKey(p.username)}>
              <button
                type="button"
                data-testid={`${testId === 'people-results' ? 'person-result' : 'member-result'}-${userKey(p.username)}`}
                aria-label={actionLabel(p.username)}
                onClick={() => onPick(p)}
                className="flex w-full items-center gap-3 rounded-xl px-2 py-1.5 text-left hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-slate-800/60"
              >
                <Avatar name={p.username} size="sm" avatarKey={p.avatarKey} />
                <span className="min-w-0 flex-1 truncate text-sm font-medium">{p.username}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {search.loading ? (
        <p role="status" className="px-2 py-1 text-xs text-slate-500 dark:text-slate-400">
          Searching…
        </p>
      ) : (
        search.nextCursor !== null && (
          <button
            type="button"
            data-testid={`${testId}-more`}
            onClick={onLoadMore}
            className="self-start rounded-full px-3 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-300 dark:hover:bg-indigo-950"
          >
            More people
          </button>
        )
      )}
    </div>
  );
}
