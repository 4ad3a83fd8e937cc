import { describe, expect, it } from 'vitest';
import {
  charCount,
  checkText,
  isValidClientMessageId,
  isValidRequestId,
  isValidUsername,
  newClientMessageId,
  TEXT_MAX_CHARS,
  usernameProblem,
} from './chatRules';

describe('username rule (as the server)', () => {
  it.each(['a', 'Alice', 'bob_1', 'x.y-z', 'A'.repeat(32)])('accepts %s', (name) => {
    expect(isValidUsername(name)).toBe(true);
  });
  it.each(['', 'A'.repeat(33), 'with space', 'émile', 'a/b', 'a?b', '<script>', 'a\n'])('refuses %j', (name) => {
    expect(isValidUsername(name)).toBe(false);
  });
  it('explains a refused name', () => {
    expect(usernameProblem('')).toBe('Enter a username.');
    expect(usernameProblem('no spaces')).toMatch(/1–32 characters/);
    expect(usernameProblem('Alice')).toBeNull();
  });
});

describe('message text rule', () => {
  it('trims and counts characters, not UTF-16 units', () => {
    expect(checkText('  hi  ')).toEqual({ text: 'hi', chars: 2, problem: null });
    expect(charCount('😀😀')).toBe(2);
    expect(checkText('😀'.repeat(TEXT_MAX_CHARS)).problem).toBeNull();
    expect(checkText('😀'.repeat(TEXT_MAX_CHARS + 1)).problem).toBe('text_too_long');
  });
  it('refuses empty text and control characters but newline and tab', () => {
    expect(checkText(' \n\t ').problem).toBe('empty_text');
    expect(checkText('a\nb\tc').problem).toBeNull();
    expect(checkText('a\u0007b').problem).toBe('invalid_text');
    expect(checkText('a\rb').problem).toBe('invalid_text');
  });
  it('allows exactly the limit', () => {
    expect(checkText('x'.repeat(TEXT_MAX_CHARS)).problem).toBeNull();
    expect(checkText('x'.repeat(TEXT_MAX_CHARS + 1)).problem).toBe('text_too_long');
  });
});

describe('clientMessageId', () => {
  it('generates ids the server accepts, all different', () => {
    const ids = new Set(Array.from({ length: 50 }, newClientMessageId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(isValidClientMessageId(id)).toBe(true);
  });
});

describe('requestId', () => {
  it('accepts what the server accepts', () => {
    expect(isValidRequestId('r0a1b2c-12')).toBe(true);
    expect(isValidRequestId('')).toBe(false);
    expect(isValidRequestId('x'.repeat(65))).toBe(false);
    expect(isValidRequestId('a b')).toBe(false);
  });
});

import { checkRoomName, peoplePrefix } from './chatRules';

describe('room names and people prefixes', () => {
  it('a room name is trimmed, 1–64 characters, without control characters', () => {
    expect(checkRoomName('  Project  ')).toEqual({ name: 'Project', problem: null });
    expect(checkRoomName('   ').problem).toBe('empty');
    expect(checkRoomName('x'.repeat(64)).problem).toBeNull();
    expect(checkRoomName('x'.repeat(65)).problem).toBe('too_long');
    expect(checkRoomName('🚀'.repeat(64)).problem).toBeNull(); // characters, not UTF-16 units
    expect(checkRoomName('a\u0007b').problem).toBe('invalid');
  });

  it('a people prefix is a lower-case username prefix of 1–32 characters', () => {
    expect(peoplePrefix(' Bo ')).toBe('bo');
    expect(peoplePrefix('')).toBeNull();
    expect(peoplePrefix('b o')).toBeNull();
    expect(peoplePrefix('x'.repeat(33))).toBeNull();
    expect(peoplePrefix('a.b-c_d')).toBe('a.b-c_d');
  });
});
