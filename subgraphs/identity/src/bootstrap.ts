import type { DataSource } from 'typeorm';
import { CustomerEntity, RoleEntity, UserCustomerAccessEntity, UserEntity } from './entities';
import { hashPassword } from './services/password';

/** A user to create without going through the API (there is no admin yet to call `createUser`). */
export interface BootstrapUser {
  username: string;
  password: string;
  role: string;
  email?: string;
  /** Customers the user may see; each is created (named after its code) when missing. */
  customerCodes?: string[];
}

/**
 * Creates a user straight in identity's tables, for the first admin of a fresh install and
 * for test stacks. Hashes at `scryptCost`. Returns the new user's id.
 */
export async function bootstrapUser(dataSource: DataSource, input: BootstrapUser, scryptCost: number): Promise<string> {
  const passwordHash = await hashPassword(input.password, scryptCost);
  return dataSource.transaction(async (tx) => {
    const role = await tx.getRepository(RoleEntity).findOneBy({ name: input.role });
    if (!role) throw new Error(`bootstrapUser: role ${input.role} does not exist`);
    const user = await tx.getRepository(UserEntity).save({
      username: input.username,
      email: input.email ?? `${input.username}@test.socgraph.local`,
      passwordHash,
      roleId: role.id,
    });
    for (const customerCode of input.customerCodes ?? []) {
      await tx
        .getRepository(CustomerEntity)
        .createQueryBuilder()
        .insert()
        .values({ code: customerCode, name: customerCode })
        .orIgnore()
        .execute();
      await tx.getRepository(UserCustomerAccessEntity).insert({ userId: user.id, customerCode });
    }
    return String(user.id);
  });
}
