import { EntitySchema } from 'typeorm';

/** Partner credentials: only the SHA-256 of the secret is stored. */
export interface ApiKeyRow {
  id: string;
  userId: number;
  clientName: string;
  keyPrefix: string;
  secretHash: string;
  persistedOnly: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
  expiresAt: Date;
}

export const ApiKeyEntity = new EntitySchema<ApiKeyRow>({
  name: 'ApiKey',
  tableName: 'api_keys',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    userId: { name: 'user_id', type: 'int' },
    clientName: { name: 'client_name', type: 'varchar', length: 100 },
    keyPrefix: { name: 'key_prefix', type: 'varchar', length: 16 },
    secretHash: { name: 'secret_hash', type: 'char', length: 64, select: false },
    persistedOnly: { name: 'persisted_only', type: 'boolean', default: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    lastUsedAt: { name: 'last_used_at', type: 'timestamptz', nullable: true },
    revokedAt: { name: 'revoked_at', type: 'timestamptz', nullable: true },
    revokedBy: { name: 'revoked_by', type: 'varchar', length: 64, nullable: true },
    expiresAt: { name: 'expires_at', type: 'timestamptz' },
  },
});
