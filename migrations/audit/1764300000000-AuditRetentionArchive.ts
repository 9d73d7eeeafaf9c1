import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention's archive step: rows past a policy's archive-after days leave their hot table for
 * this one, whole (row_data), until they pass delete-after days. One table for every source
 * table, so archiving a new table needs no migration. Archived chain rows keep their seq,
 * previous_hash, hash and signature in row_data: they stay verifiable offline.
 *
 * Not captured by the audit trigger: retention writes it in bulk, and its run's entry reports
 * the counts per table.
 */
export class AuditRetentionArchive1764300000000 implements MigrationInterface {
  name = 'AuditRetentionArchive1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit.retention_archive (
        id bigserial PRIMARY KEY,
        table_name varchar(100) NOT NULL,
        row_id text NOT NULL,
        created_at timestamptz(3) NOT NULL,
        archived_at timestamptz(3) NOT NULL DEFAULT now(),
        row_data jsonb NOT NULL
      )`);
    // The purge deletes per table by the row's own age; lookups go by table and row id.
    await q.query(`CREATE INDEX retention_archive_age_idx ON audit.retention_archive (table_name, created_at)`);
    await q.query(`CREATE INDEX retention_archive_row_idx ON audit.retention_archive (table_name, row_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit.retention_archive`);
  }
}
