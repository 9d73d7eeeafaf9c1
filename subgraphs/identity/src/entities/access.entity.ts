import { EntitySchema } from 'typeorm';

/** user_customer_access: which tenants a user may see. */
export interface UserCustomerAccessRow {
  id: number;
  userId: number;
  customerCode: string;
  createdAt: Date;
}

export const UserCustomerAccessEntity = new EntitySchema<UserCustomerAccessRow>({
  name: 'UserCustomerAccess',
  tableName: 'user_customer_access',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    userId: { name: 'user_id', type: 'int' },
    customerCode: { name: 'customer_code', type: 'varchar', length: 50 },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
});

/** user_tag_access / role_tag_access: allow-lists of incidents' tag ids. */
export interface UserTagAccessRow {
  id: number;
  userId: number;
  tagId: number;
  createdAt: Date;
}

export const UserTagAccessEntity = new EntitySchema<UserTagAccessRow>({
  name: 'UserTagAccess',
  tableName: 'user_tag_access',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    userId: { name: 'user_id', type: 'int' },
    tagId: { name: 'tag_id', type: 'int' },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
});

export interface RoleTagAccessRow {
  id: number;
  roleId: number;
  tagId: number;
  createdAt: Date;
}

export const RoleTagAccessEntity = new EntitySchema<RoleTagAccessRow>({
  name: 'RoleTagAccess',
  tableName: 'role_tag_access',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    roleId: { name: 'role_id', type: 'int' },
    tagId: { name: 'tag_id', type: 'int' },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
});
