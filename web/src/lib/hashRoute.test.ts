import { describe, expect, it } from 'vitest';
import { hashOf, parseHash } from './hashRoute';

const ULID = '01JDQ8Z7W4K3M2N1P0Q9R8S7T6';

describe('the open conversation in the URL hash', () => {
  it('#/with/<username> is a direct conversation; only valid usernames', () => {
    expect(parseHash('#/with/Bob')).toEqual({ kind: 'direct', with: 'Bob' });
    expect(parseHash('#/with/a.b-c')).toEqual({ kind: 'direct', with: 'a.b-c' });
    expect(parseHash('#/with/%E0%A4%A')).toBeNull();
    expect(parseHash('#/with/bob%20smith')).toBeNull();
    expect(parseHash('#/with/')).toBeNull();
  });

  it('#/room/<ULID> is a room', () => {
    expect(parseHash(`#/room/${ULID}`)).toEqual({ kind: 'room', id: `room#${ULID}` });
    expect(parseHash('#/room/not-a-ulid')).toBeNull();
    expect(parseHash(`#/room/${ULID.toLowerCase()}`)).toBeNull();
    expect(parseHash('#/')).toBeNull();
    expect(parseHash('')).toBeNull();
  });

  it('round-trips', () => {
    expect(hashOf({ kind: 'direct', with: 'Bob' })).toBe('#/with/Bob');
    expect(hashOf({ kind: 'room', id: `room#${ULID}` })).toBe(`#/room/${ULID}`);
    expect(hashOf(null)).toBe('#/');
    expect(parseHash(hashOf({ kind: 'room', id: `room#${ULID}` }))).toEqual({ kind: 'room', id: `room#${ULID}` });
  });
});
