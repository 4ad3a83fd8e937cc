// Drafts (the text only, never files) kept in localStorage, so a reload does not lose what was
// being written. One entry per signed-in user: `{ [conversationId]: text }`, empty drafts left out.
// Storage may be missing, full or disabled (private modes): drafts then live only in memory.
import { userKey } from '../protocol/chatRules';

const KEY_PREFIX = 'chatastrophy.drafts.';

export function draftsKey(user: string): string {
  return KEY_PREFIX + userKey(user);
}

/** localStorage, or undefined where reading it throws (storage disabled). */
export function browserStorage(): Storage | undefined {
  try {
    return typeof window === 'undefined' ? undefined : window.localStorage;
  } catch {
    return undefined;
  }
}

/** The user's stored drafts by conversationId; whatever is not a non-empty string is ignored. */
export function loadDrafts(storage: Storage | undefined, user: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(storage?.getItem(draftsKey(user)) ?? '{}');
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const drafts: Record<string, string> = {};
  for (const [conversationId, text] of Object.entries(parsed)) {
    if (typeof text === 'string' && text !== '') drafts[conversationId] = text;
  }
  return drafts;
}

/**
 * Stores one conversation's draft (an empty one removes it), leaving the others as stored: two
 * tabs of the same user each write only the conversation being typed in.
 */
export function saveDraft(storage: Storage | undefined, user: string, conversationId: string, text: string): void {
  if (!storage) return;
  const drafts = loadDrafts(storage, user);
  if (text === '') delete drafts[conversationId];
  else drafts[conversationId] = text;
  try {
    if (Object.keys(drafts).length === 0) storage.removeItem(draftsKey(user));
    else storage.setItem(draftsKey(user), JSON.stringify(drafts));
  } catch {
    // Quota exceeded or storage disabled: the draft stays in memory for this page's life.
  }
}

/** Forgets all the user's drafts (at sign-out: the next person on this browser must not see them). */
export function clearDrafts(storage: Storage | undefined, user: string): void {
  try {
    storage?.removeItem(draftsKey(user));
  } catch {
    // Nothing stored can be read back either.
  }
}
