/**
 * Secret names from a template such as `benchling/user/{user_email}/api_key`: `{user_email}` (or `{user}`) is
 * the user named by the JWT claim BENCHLING_VAULT_USER_CLAIM.
 */
const PLACEHOLDER = /\{(user_email|user)\}/;

/**
 * What a user name may hold: the characters AWS Secrets Manager allows in names, less `/` (so one user's name
 * can never reach into another's path) and with no `..`.
 */
const USER_NAME = /^[A-Za-z0-9_+=.@-]{1,200}$/;

export function templateProblem(template: string): string | undefined {
  const all = template.match(/\{[^}]*\}/g) ?? [];
  if (all.length !== 1 || !PLACEHOLDER.test(template)) return 'must hold {user_email} (or {user}) exactly once, and no other {placeholder}';
  if (!/^[A-Za-z0-9/_+=.@{}-]+$/.test(template)) return 'may only hold letters, digits and / _ + = . @ -';
  return undefined;
}

export class SecretNames {
  private readonly before: string;
  private readonly after: string;

  constructor(readonly template: string) {
    const problem = templateProblem(template);
    if (problem) throw new Error(`BENCHLING_VAULT_NAME_TEMPLATE ${problem}`);
    const [before, after] = template.split(PLACEHOLDER.exec(template)![0]) as [string, string];
    this.before = before;
    this.after = after;
  }

  /** Whether `user` can name a secret (see USER_NAME). */
  static validUser(user: string): boolean {
    return USER_NAME.test(user) && !user.includes('..');
  }

  nameFor(user: string): string {
    if (!SecretNames.validUser(user)) throw new Error('not a usable user name (letters, digits and _ + = . @ - only, at most 200)');
    return `${this.before}${user}${this.after}`;
  }

  /** What every name of this template starts with (to list them). */
  get prefix(): string {
    return this.before;
  }

  /** The user a name is for, or undefined for a name of another shape. */
  userOf(name: string): string | undefined {
    if (!name.startsWith(this.before) || !name.endsWith(this.after) || name.length <= this.before.length + this.after.length) return undefined;
    const user = name.slice(this.before.length, name.length - this.after.length);
    return SecretNames.validUser(user) ? user : undefined;
  }
}
