import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Index snapshots are named after their schedule's id from now on (`<time>-schedule-<id>`), so
 * renaming a schedule no longer orphans them. Snapshots already taken are named
 * `<schedule name>-<time>`: each existing schedule keeps its current name as its
 * `legacy_snapshot_prefix`, under which retention still finds and expires them (and clears the
 * prefix once none is left). Snapshots of names a schedule had before an earlier rename cannot
 * be told apart from anybody else's and stay.
 */
export class AgentsSnapshotNamesById1766000000010 implements MigrationInterface {
  name = 'AgentsSnapshotNamesById1766000000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents.index_snapshot_schedules ADD COLUMN legacy_snapshot_prefix varchar(100)`);
    await q.query(`UPDATE agents.index_snapshot_schedules SET legacy_snapshot_prefix = name`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents.index_snapshot_schedules DROP COLUMN legacy_snapshot_prefix`);
  }
}
