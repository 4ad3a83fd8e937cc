import { describe, expect, it } from 'vitest';
import { errorText } from './errorMessages';

describe('error messages for people', () => {
  it('explains the codes of rooms', () => {
    expect(errorText('room_full')).toMatch(/full.*1,000/);
    expect(errorText('forbidden_role')).toMatch(/role/);
    expect(errorText('owner_must_transfer')).toMatch(/owner/);
    expect(errorText('not_a_member')).toMatch(/not a member/);
  });

  it("falls back to the server's message, then to a generic one", () => {
    expect(errorText('brand_new_code', 'Server says no.')).toBe('Server says no.');
    expect(errorText('brand_new_code')).toMatch(/went wrong/);
  });
});
