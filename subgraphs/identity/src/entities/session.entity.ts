import { EntitySchema } from 'typeorm';

/** user_sessions (seed 001): login creates one, logout or expiry ends it. */
export interface SessionRow {
  id: number;
  sessionId: string;
  userId: number;
  deviceFingerprint: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  createdAt: Date;
  lastActivityAt: Date;
  expiresAt: Date;
  isActive: boolean;
  logoutReason: string | null;
  logoutAt: Date | null;
}

export const SessionEntity = new EntitySchema<SessionRow>({
  name: 'Session',
  tableName: 'user_sessions',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    sessionId: { name: 'session_id', type: 'varchar', length: 64, unique: true },
    userId: { name: 'user_id', type: 'int' },
    deviceFingerprint: { name: 'device_fingerprint', type: 'varchar', length: 255, nullable: true },
    ipAddress: { name: 'ip_address', type: 'inet', nullable: true },
    userAgent: { name: 'user_agent', type: 'text', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    lastActivityAt: { name: 'last_activity_at', type: 'timestamptz', default: () => 'now()' },
    expiresAt: { name: 'expires_at', type: 'timestamptz' },
    isActive: { name: 'is_active', type: 'boolean', default: true },
    logoutReason: { name: 'logout_reason', type: 'varchar', length: 50, nullable: true },
    logoutAt: { name: 'logout_at', type: 'timestamptz', nullable: true },
  },
});
