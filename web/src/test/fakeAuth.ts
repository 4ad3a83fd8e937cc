// A fake AuthService that behaves like the user pool: users unique regardless of case, e-mail
// codes (always 123456), the pool's password policy, one signed-in user whose session can end.
import { AUTH_MESSAGES } from '../auth/cognitoErrors';
import { passwordProblem } from '../auth/accountRules';
import { AuthFailure, type AuthErrorCode, type AuthService, type AuthUser, type CodeDelivery, type SignInResult, type SignUpResult } from '../auth/authService';
import type { AccessToken } from '../protocol/tokens';

interface FakeUser {
  username: string;
  email: string;
  password: string;
  confirmed: boolean;
}

export const FAKE_CODE = '123456';

const fail = (code: AuthErrorCode) => new AuthFailure(code, AUTH_MESSAGES[code]);
const mask = (email: string) => `${email[0]}***@${email.split('@')[1]?.[0] ?? ''}***`;

export class FakeAuthService implements AuthService {
  readonly users = new Map<string, FakeUser>();
  /** Every call, by method name (`signOut` is always global). */
  readonly calls: string[] = [];
  /** Forced refreshes and plain fetches of the access token. */
  readonly tokenRequests: { forceRefresh: boolean }[] = [];
  signedIn: AuthUser | null = null;
  private tokenSerial = 1;
  private failures = new Map<string, AuthFailure>();
  private pending = new Map<string, Promise<void>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Adds a user as if they had signed up (confirmed unless told). */
  addUser(username: string, password: string, { confirmed = true, email = `${username.toLowerCase()}@example.com` } = {}): void {
    this.users.set(username.toLowerCase(), { username, email, password, confirmed });
  }

  /** The next call of `method` fails with `code`. */
  failNext(method: keyof AuthService, code: AuthErrorCode, message?: string): void {
    this.failures.set(method, new AuthFailure(code, message ?? AUTH_MESSAGES[code]));
  }

  /** Calls of `method` wait until the returned function is called. */
  hold(method: keyof AuthService): () => void {
    let release!: () => void;
    this.pending.set(method, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.pending.delete(method);
      release();
    };
  }

  /** The refresh token is revoked or expired: no more tokens. */
  endSession(): void {
    this.signedIn = null;
  }

  private async enter(method: keyof AuthService): Promise<void> {
    this.calls.push(method);
    await this.pending.get(method);
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      throw failure;
    }
  }

  async currentUser(): Promise<AuthUser | null> {
    await this.enter('currentUser');
    return this.signedIn;
  }

  async signUp({ username, email, password }: { username: string; email: string; password: string }): Promise<SignUpResult> {
    await this.enter('signUp');
    if (this.users.has(username.toLowerCase())) throw fail('username_exists');
    if (passwordProblem(password)) throw new AuthFailure('invalid_password', `${AUTH_MESSAGES.invalid_password} Password did not conform with policy.`);
    this.users.set(username.toLowerCase(), { username, email, password, confirmed: false });
    return { next: 'confirm', destination: mask(email) };
  }

  async confirmSignUp(username: string, code: string): Promise<void> {
    await this.enter('confirmSignUp');
    const user = this.users.get(username.toLowerCase());
    if (!user) throw fail('wrong_credentials');
    if (user.confirmed) throw fail('already_confirmed');
    if (code !== FAKE_CODE) throw fail('code_mismatch');
    user.confirmed = true;
  }

  async resendSignUpCode(username: string): Promise<CodeDelivery> {
    await this.enter('resendSignUpCode');
    const user = this.users.get(username.toLowerCase());
    return user ? { destination: mask(user.email) } : {};
  }

  async signIn(username: string, password: string): Promise<SignInResult> {
    await this.enter('signIn');
    const user = this.users.get(username.toLowerCase());
    if (!user || user.password !== password) throw fail('wrong_credentials');
    if (!user.confirmed) return { next: 'confirmSignUp' };
    this.signedIn = { username: user.username };
    return { next: 'done', user: this.signedIn };
  }

  async resetPassword(username: string): Promise<CodeDelivery> {
    await this.enter('resetPassword');
    const user = this.users.get(username.toLowerCase());
    // Like the pool that hides whether a user exists: an unknown name "gets" a code too.
    return { destination: user ? mask(user.email) : 'u***@e***' };
  }

  async confirmResetPassword(username: string, code: string, newPassword: string): Promise<void> {
    await this.enter('confirmResetPassword');
    const user = this.users.get(username.toLowerCase());
    if (!user || code !== FAKE_CODE) throw fail('code_mismatch');
    user.password = newPassword;
  }

  async accessToken({ forceRefresh }: { forceRefresh: boolean }): Promise<AccessToken | null> {
    this.tokenRequests.push({ forceRefresh });
    await this.enter('accessToken');
    if (!this.signedIn) return null;
    if (forceRefresh) this.tokenSerial += 1;
    return { jwt: `jwt-${this.signedIn.username}-${this.tokenSerial}`, expiresAt: this.now() + 60 * 60 * 1000 };
  }

  async signOut(): Promise<void> {
    await this.enter('signOut');
    this.signedIn = null;
  }
}
