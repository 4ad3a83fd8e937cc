// The user pool's rules for what people type: the password policy (Cognito's default, which the
// pool keeps, shown as a checklist while typing), e-mail addresses and confirmation codes.

// Cognito's list of special characters (its documented set, plus the space inside a password).
const SYMBOLS = new Set(Array.from('^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- '));

export const PASSWORD_MIN_CHARS = 8;
export const PASSWORD_MAX_CHARS = 256;

export interface PasswordRule {
  id: 'length' | 'upper' | 'lower' | 'digit' | 'symbol';
  label: string;
  test(password: string): boolean;
}

export const PASSWORD_RULES: readonly PasswordRule[] = [
  { id: 'length', label: `At least ${PASSWORD_MIN_CHARS} characters`, test: (p) => Array.from(p).length >= PASSWORD_MIN_CHARS },
  { id: 'upper', label: 'An upper-case letter', test: (p) => /[A-Z]/.test(p) },
  { id: 'lower', label: 'A lower-case letter', test: (p) => /[a-z]/.test(p) },
  { id: 'digit', label: 'A digit', test: (p) => /[0-9]/.test(p) },
  { id: 'symbol', label: 'A symbol, such as ! ? # or %', test: (p) => Array.from(p).some((c) => SYMBOLS.has(c)) },
];

/** Each rule and whether `password` meets it. */
export function passwordChecks(password: string): { rule: PasswordRule; met: boolean }[] {
  return PASSWORD_RULES.map((rule) => ({ rule, met: rule.test(password) }));
}

/** Why Cognito would refuse the password, or null. */
export function passwordProblem(password: string): string | null {
  if (password.length === 0) return 'Enter a password.';
  if (password.length > PASSWORD_MAX_CHARS) return `A password has at most ${PASSWORD_MAX_CHARS} characters.`;
  // Cognito refuses leading and trailing spaces.
  if (password.trim() !== password) return 'A password cannot start or end with a space.';
  const unmet = passwordChecks(password).filter((c) => !c.met);
  return unmet.length > 0 ? 'The password does not meet every rule of the list.' : null;
}

// What an e-mail address must look like before Cognito is asked (it checks again).
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function emailProblem(email: string): string | null {
  if (email.length === 0) return 'Enter your e-mail address.';
  if (!EMAIL_RE.test(email)) return 'Enter an e-mail address such as name@example.com.';
  return null;
}

/** A confirmation code: Cognito's are 6 digits. */
export function codeProblem(code: string): string | null {
  if (code.length === 0) return 'Enter the code from the e-mail.';
  if (!/^\d{6}$/.test(code)) return 'The code is 6 digits.';
  return null;
}
