import { EntitySchema } from 'typeorm';

export interface RoleRow {
  id: number;
  name: string;
  description: string | null;
  createdAt: Date;
}

export const RoleEntity = new EntitySchema<RoleRow>({
  name: 'Role',
  tableName: 'roles',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    name: { type: 'varchar', length: 64, unique: true },
    description: { type: 'text', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
});
