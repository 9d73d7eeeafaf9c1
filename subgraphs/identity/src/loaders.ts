import { groupLoader, rowLoader } from '@socgraph/shared';
import { In, type DataSource } from 'typeorm';
import {
  ApiKeyEntity,
  CustomerEntity,
  MandateEntity,
  RoleEntity,
  RoleTagAccessEntity,
  UserEntity,
  UserTagAccessEntity,
  type CustomerRow,
} from './entities';

/** Per-request DataLoaders: every relation and entity reference of identity is batched here. */
export function createIdentityLoaders(dataSource: DataSource) {
  const users = dataSource.getRepository(UserEntity);
  const roles = dataSource.getRepository(RoleEntity);
  const customers = dataSource.getRepository(CustomerEntity);

  return {
    userById: rowLoader(
      (ids: readonly number[]) => users.findBy({ id: In([...ids]) }),
      (u) => u.id,
    ),
    /** Keys are lower-cased usernames (usernames are unique regardless of case). */
    userByUsername: rowLoader(
      (names: readonly string[]) =>
        users
          .createQueryBuilder('u')
          .where('lower(u.username) = ANY(:names)', { names: [...names] })
          .getMany(),
      (u) => u.username.toLowerCase(),
    ),
    roleById: rowLoader(
      (ids: readonly number[]) => roles.findBy({ id: In([...ids]) }),
      (r) => r.id,
    ),
    customerByCode: rowLoader(
      (codes: readonly string[]) => customers.findBy({ code: In([...codes]) }),
      (c) => c.code,
    ),
    /** A user's customers, through user_customer_access, in one join per batch. */
    customersByUserId: groupLoader(
      async (userIds: readonly number[]) =>
        (await dataSource.query(
          `SELECT a.user_id, c.id, c.customer_code, c.parent_customer_code, c.customer_name,
                  c.contact_name, c.phone, c.address, c.created_at
             FROM identity.user_customer_access a
             JOIN identity.customers c ON c.customer_code = a.customer_code
            WHERE a.user_id = ANY($1)
            ORDER BY c.customer_code`,
          [[...userIds]],
        )) as (RawCustomer & { user_id: number })[],
      (row) => row.user_id,
    ),
    tagIdsByUserId: groupLoader(
      (userIds: readonly number[]) =>
        dataSource
          .getRepository(UserTagAccessEntity)
          .find({ where: { userId: In([...userIds]) }, order: { tagId: 'ASC' } }),
      (row) => row.userId,
    ),
    tagIdsByRoleId: groupLoader(
      (roleIds: readonly number[]) =>
        dataSource
          .getRepository(RoleTagAccessEntity)
          .find({ where: { roleId: In([...roleIds]) }, order: { tagId: 'ASC' } }),
      (row) => row.roleId,
    ),
    mandatesByUserId: groupLoader(
      (userIds: readonly number[]) =>
        dataSource
          .getRepository(MandateEntity)
          .find({ where: { userId: In([...userIds]) }, order: { createdAt: 'DESC' } }),
      (row) => row.userId,
    ),
    apiKeysByUserId: groupLoader(
      (userIds: readonly number[]) =>
        dataSource
          .getRepository(ApiKeyEntity)
          .find({ where: { userId: In([...userIds]) }, order: { createdAt: 'ASC' } }),
      (row) => row.userId,
    ),
  };
}
export type IdentityLoaders = ReturnType<typeof createIdentityLoaders>;

/** customers columns as raw SQL returns them. */
export interface RawCustomer {
  id: number;
  customer_code: string;
  parent_customer_code: string | null;
  customer_name: string;
  contact_name: string | null;
  phone: string | null;
  address: string | null;
  created_at: Date;
}

export function customerFromRaw(raw: RawCustomer): CustomerRow {
  return {
    id: raw.id,
    code: raw.customer_code,
    parentCode: raw.parent_customer_code,
    name: raw.customer_name,
    contactName: raw.contact_name,
    phone: raw.phone,
    address: raw.address,
    createdAt: raw.created_at,
  };
}
