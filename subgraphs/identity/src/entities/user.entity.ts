import { EntitySchema } from 'typeorm';

export interface UserRow {
  id: number;
  username: string;
  email: string;
  /** scrypt hash; never leaves the service layer. */
  passwordHash: string;
  roleId: number;
  creditBalanceCents: number;
  createdAt: Date;
  lastLoginAt: Date | null;
  /** Failed logins counting towards a lock (see services/lockout.ts). */
  failedLoginCount: number;
  lastFailedLoginAt: Date | null;
  /** Locked while in the future; a past value is a lock that expired. */
  lockedUntil: Date | null;
}

export const UserEntity = new EntitySchema<UserRow>({
  name: 'User',
  tableName: 'users',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    username: { type: 'varchar', length: 64 },
    email: { type: 'varchar', length: 255 },
    passwordHash: { name: 'password_hash', type: 'text', select: false },
    roleId: { name: 'role_id', type: 'int' },
    creditBalanceCents: { name: 'credit_balance_cents', type: 'int', default: 1000 },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    lastLoginAt: { name: 'last_login_at', type: 'timestamptz', nullable: true },
    failedLoginCount: { name: 'failed_login_count', type: 'int', default: 0 },
    lastFailedLoginAt: { name: 'last_failed_login_at', type: 'timestamptz', nullable: true },
    lockedUntil: { name: 'locked_until', type: 'timestamptz', nullable: true },
  },
});
