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
  },
});
