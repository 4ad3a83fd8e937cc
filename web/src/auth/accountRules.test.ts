import { describe, expect, it } from 'vitest';
import { codeProblem, emailProblem, passwordChecks, passwordProblem } from './accountRules';

const met = (p: string) => Object.fromEntries(passwordChecks(p).map(({ rule, met }) => [rule.id, met]));

describe('password policy', () => {
  it('ticks each rule as it is met', () => {
    expect(met('')).toEqual({ length: false, upper: false, lower: false, digit: false, symbol: false });
    expect(met('Abcdefg1')).toEqual({ length: true, upper: true, lower: true, digit: true, symbol: false });
    expect(met('Abcdef1^')).toMatchObject({ symbol: true });
    expect(met('Abcde f1')).toMatchObject({ symbol: true }); // Cognito counts an inner space
    expect(met('Abcdef1é')).toMatchObject({ symbol: false }); // but not any non-ASCII letter
  });

  it('explains what Cognito would refuse', () => {
    expect(passwordProblem('')).toBe('Enter a password.');
    expect(passwordProblem('Abcdefg1')).toBe('The password does not meet every rule of the list.');
    expect(passwordProblem(' Abcdef1!')).toBe('A password cannot start or end with a space.');
    expect(passwordProblem('A1!' + 'a'.repeat(254))).toMatch(/at most 256/);
    expect(passwordProblem('Sup3r-secret')).toBeNull();
  });
});

describe('e-mail and code', () => {
  it('checks the shape only (Cognito checks again)', () => {
    expect(emailProblem('')).toBe('Enter your e-mail address.');
    expect(emailProblem('a@b')).toMatch(/such as/);
    expect(emailProblem('a@example.com')).toBeNull();
    expect(codeProblem('')).toBe('Enter the code from the e-mail.');
    expect(codeProblem('12345')).toBe('The code is 6 digits.');
    expect(codeProblem('123456')).toBeNull();
  });
});
