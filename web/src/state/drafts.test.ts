import { describe, expect, it } from 'vitest';
import { clearDrafts, draftsKey, loadDrafts, saveDraft } from './drafts';

/** localStorage's interface over a Map; `full` makes every write throw as a full quota does. */
class MemoryStorage implements Storage {
  readonly items = new Map<string, string>();
  full = false;
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    if (this.full) throw new DOMException('quota', 'QuotaExceededError');
    this.items.set(key, String(value));
  }
}

const bob = 'dm#alice#bob';
const carol = 'dm#alice#carol';

describe('drafts', () => {
  it('keeps each conversation’s draft for its user across loads (a reload)', () => {
    const storage = new MemoryStorage();
    saveDraft(storage, 'Alice', bob, 'hello Bob');
    saveDraft(storage, 'Alice', carol, 'line one\nline two');
    expect(loadDrafts(storage, 'Alice')).toEqual({ [bob]: 'hello Bob', [carol]: 'line one\nline two' });
    // Names are case-insensitive, so the same user signing in as "alice" finds them.
    expect(loadDrafts(storage, 'alice')).toEqual({ [bob]: 'hello Bob', [carol]: 'line one\nline two' });
    expect(loadDrafts(storage, 'Dave')).toEqual({});
  });

  it('an empty draft (the message was sent or erased) removes the entry, and the key with the last one', () => {
    const storage = new MemoryStorage();
    saveDraft(storage, 'alice', bob, 'hi');
    saveDraft(storage, 'alice', carol, 'yo');
    saveDraft(storage, 'alice', bob, '');
    expect(loadDrafts(storage, 'alice')).toEqual({ [carol]: 'yo' });
    saveDraft(storage, 'alice', carol, '');
    expect(storage.getItem(draftsKey('alice'))).toBeNull();
  });

  it('writes only the conversation typed in, keeping what another tab stored meanwhile', () => {
    const storage = new MemoryStorage();
    saveDraft(storage, 'alice', bob, 'from tab 1');
    storage.setItem(draftsKey('alice'), JSON.stringify({ [bob]: 'from tab 1', [carol]: 'from tab 2' }));
    saveDraft(storage, 'alice', bob, 'from tab 1, more');
    expect(loadDrafts(storage, 'alice')).toEqual({ [bob]: 'from tab 1, more', [carol]: 'from tab 2' });
  });

  it('sign-out clears the user’s drafts and no one else’s', () => {
    const storage = new MemoryStorage();
    saveDraft(storage, 'alice', bob, 'secret');
    saveDraft(storage, 'bob', bob, 'hers');
    clearDrafts(storage, 'Alice');
    expect(loadDrafts(storage, 'alice')).toEqual({});
    expect(loadDrafts(storage, 'bob')).toEqual({ [bob]: 'hers' });
  });

  it('ignores what it did not write: bad JSON, other shapes, non-string drafts', () => {
    const storage = new MemoryStorage();
    storage.setItem(draftsKey('alice'), '{not json');
    expect(loadDrafts(storage, 'alice')).toEqual({});
    storage.setItem(draftsKey('alice'), '["a"]');
    expect(loadDrafts(storage, 'alice')).toEqual({});
    storage.setItem(draftsKey('alice'), JSON.stringify({ [bob]: 42, [carol]: 'ok', x: '' }));
    expect(loadDrafts(storage, 'alice')).toEqual({ [carol]: 'ok' });
  });

  it('without storage, or with a full one, it neither throws nor loses what was stored', () => {
    expect(loadDrafts(undefined, 'alice')).toEqual({});
    expect(() => saveDraft(undefined, 'alice', bob, 'x')).not.toThrow();
    expect(() => clearDrafts(undefined, 'alice')).not.toThrow();
    const storage = new MemoryStorage();
    saveDraft(storage, 'alice', bob, 'kept');
    storage.full = true;
    expect(() => saveDraft(storage, 'alice', carol, 'too much')).not.toThrow();
    expect(loadDrafts(storage, 'alice')).toEqual({ [bob]: 'kept' });
  });
});
