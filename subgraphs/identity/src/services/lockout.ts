import type { IdentityConfig } from '../config';
import type { UserRow } from '../entities';

/** What admins see of an account's lock. */
export interface LockoutState {
  failedLoginCount: number;
  /** Null when the account is not locked. */
  lockedUntil: Date | null;
}

/** Runs one statement that commits on its own, whatever becomes of the request's transaction. */
export type AutocommitQuery = (sql: string, params: unknown[]) => Promise<unknown>;

/** Whether a failure adds to the count: the previous one is within the window, and no lock came since. */
const CONTINUES = `locked_until IS NULL AND last_failed_login_at > now() - make_interval(secs => $2)`;
const NEXT_COUNT = `CASE WHEN ${CONTINUES} THEN failed_login_count + 1 ELSE 1 END`;

/**
 * Counts one failed login in one statement, so concurrent failures cannot lose a count (an
 * UPDATE that waited for another re-reads the row it then changes); reaching the threshold
 * locks, and a lock that expired starts a new count. A locked account is left alone (failures
 * while locked do not extend it), and a null id matches no row: the statement runs for every
 * failed login, so an unknown user or a locked account costs the same round trip as a wrong
 * password. In a CTE because TypeORM returns a bare UPDATE ... RETURNING as [rows, count].
 */
const COUNT_FAILURE_SQL = `
  WITH counted AS (
    UPDATE identity.users
       SET failed_login_count = ${NEXT_COUNT},
           last_failed_login_at = now(),
           locked_until = CASE WHEN ${NEXT_COUNT} >= $3 THEN now() + make_interval(secs => $4) END
     WHERE id = $1 AND (locked_until IS NULL OR locked_until <= now())
    RETURNING failed_login_count, locked_until)
  SELECT failed_login_count, locked_until FROM counted`;

interface CountedRow {
  failed_login_count: number;
  locked_until: Date | null;
}

/** Account lockout after repeated failed logins (LOGIN_LOCKOUT_*). */
export class LoginLockout {
  constructor(
    private readonly config: Pick<
      IdentityConfig,
      'LOGIN_LOCKOUT_THRESHOLD' | 'LOGIN_LOCKOUT_WINDOW_SECONDS' | 'LOGIN_LOCKOUT_SECONDS'
    >,
    private readonly autocommit: AutocommitQuery,
  ) {}

  get enabled(): boolean {
    return this.config.LOGIN_LOCKOUT_THRESHOLD > 0;
  }

  isLocked(user: Pick<UserRow, 'lockedUntil'>, now = new Date()): boolean {
    return this.enabled && user.lockedUntil !== null && user.lockedUntil > now;
  }

  /** The lock as it stands: failures that still count (none once the window or a lock has passed). */
  stateOf(
    user: Pick<UserRow, 'failedLoginCount' | 'lastFailedLoginAt' | 'lockedUntil'>,
    now = new Date(),
  ): LockoutState {
    if (this.isLocked(user, now)) return { failedLoginCount: user.failedLoginCount, lockedUntil: user.lockedUntil };
    const windowStart = now.getTime() - this.config.LOGIN_LOCKOUT_WINDOW_SECONDS * 1000;
    const counting =
      this.enabled &&
      user.lockedUntil === null &&
      user.lastFailedLoginAt !== null &&
      user.lastFailedLoginAt.getTime() > windowStart;
    return { failedLoginCount: counting ? user.failedLoginCount : 0, lockedUntil: null };
  }

  /**
   * Counts a failed login of `userId` (null: unknown user or locked account, counted nowhere)
   * and returns the new state, or null when nothing was counted. Written outside the login's
   * transaction, which rolls back with the failure.
   */
  async recordFailure(userId: number | null): Promise<LockoutState | null> {
    if (!this.enabled) return null;
    const { LOGIN_LOCKOUT_WINDOW_SECONDS, LOGIN_LOCKOUT_THRESHOLD, LOGIN_LOCKOUT_SECONDS } = this.config;
    const rows = (await this.autocommit(COUNT_FAILURE_SQL, [
      userId,
      LOGIN_LOCKOUT_WINDOW_SECONDS,
      LOGIN_LOCKOUT_THRESHOLD,
      LOGIN_LOCKOUT_SECONDS,
    ])) as CountedRow[];
    const row = rows[0];
    return row ? { failedLoginCount: row.failed_login_count, lockedUntil: row.locked_until } : null;
  }
}
