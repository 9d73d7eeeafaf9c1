import type { DemoSeedOptions } from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import { CustomerEntity, RoleEntity, UserCustomerAccessEntity, UserEntity, UserTagAccessEntity } from './entities';
import { seedBillingHistory } from './billing-seed';
import { identityConfigSchema } from './config';
import { hashPassword } from './services/password';

const DEMO_CUSTOMERS = [
  {
    code: 'ACME',
    name: 'Acme Corporation',
    contactName: 'Wile E. Coyote',
    phone: '+1 555 0100',
    address: '1 Desert Road, Tucson, AZ',
  },
  {
    code: 'GLOBEX',
    name: 'Globex Industries',
    contactName: 'Hank Scorpio',
    phone: '+1 555 0199',
    address: '42 Cypress Creek, Springfield',
  },
  {
    code: 'INITECH',
    name: 'Initech',
    contactName: 'Bill Lumbergh',
    phone: '+1 555 0142',
    address: '4120 Freidrich Lane, Austin, TX',
  },
];

/**
 * Demo users: [username, role, customers, tag ids]. The analyst is limited to two customers
 * and to tags 1 and 3 (incidents' demo seed creates network, endpoint, phishing, ... in that
 * order on an empty database, so those are network and phishing).
 */
const DEMO_USERS: [string, string, string[], number[]][] = [
  ['admin', 'admin', [], []],
  ['analyst', 'analyst', ['ACME', 'GLOBEX'], [1, 3]],
  ['customer_user', 'customer_user', ['ACME'], []],
  ['auditor', 'auditor', [], []],
];

/** Seeds demo customers and logins when identity has no users yet. */
export async function seedIdentityDemo(dataSource: DataSource, options: DemoSeedOptions): Promise<string[]> {
  if ((await dataSource.getRepository(UserEntity).count()) > 0) return [];
  // The cost identity itself would hash with (tests and small machines lower it).
  const cost = identityConfigSchema.shape.PASSWORD_SCRYPT_COST.parse(options.env?.PASSWORD_SCRYPT_COST || undefined);
  // One hash per user, each with its own salt: equal hashes would tell that the logins share a password.
  const hashes = await Promise.all(DEMO_USERS.map(() => hashPassword(options.password, cost)));
  await dataSource.transaction(async (tx) => {
    await tx.getRepository(CustomerEntity).insert(DEMO_CUSTOMERS);
    // Where each demo customer lives in the SOC's tools (customersmeta); no enrolment password.
    for (const [index, customer] of DEMO_CUSTOMERS.entries()) {
      const slug = customer.code.toLowerCase();
      await tx.query(
        `INSERT INTO identity.customersmeta (customer_code, customer_meta_graylog_index, customer_meta_graylog_stream,
           customer_meta_grafana_org_id, customer_meta_wazuh_group, customer_meta_index_retention,
           customer_meta_wazuh_registration_port, customer_meta_wazuh_log_ingestion_port, updated_by)
         VALUES ($1, $2, $3, $4, $5, 90, $6, $7, 'demo')`,
        [
          customer.code,
          `${slug}_events`,
          `${slug}-stream`,
          String(index + 2),
          slug,
          1515 + index * 10,
          1514 + index * 10,
        ],
      );
    }
    const roles = await tx.getRepository(RoleEntity).find();
    for (const [index, [username, roleName, customers, tagIds]] of DEMO_USERS.entries()) {
      const role = roles.find((r) => r.name === roleName);
      if (!role) throw new Error(`Role ${roleName} missing: run the identity migrations`);
      const user = await tx
        .getRepository(UserEntity)
        .save({ username, email: `${username}@demo.socgraph.local`, passwordHash: hashes[index], roleId: role.id });
      if (customers.length) {
        await tx
          .getRepository(UserCustomerAccessEntity)
          .insert(customers.map((customerCode) => ({ userId: user.id, customerCode })));
      }
      if (tagIds.length) {
        await tx.getRepository(UserTagAccessEntity).insert(tagIds.map((tagId) => ({ userId: user.id, tagId })));
      }
      await seedBillingHistory(tx, user.id, username);
    }
  });
  return [
    `identity: customers ${DEMO_CUSTOMERS.map((c) => c.code).join(', ')}; each login has 6,850 credits and some billing history`,
    ...DEMO_USERS.map(
      ([u, role, customers]) =>
        `  login ${u} (${role}${customers.length ? `, customers ${customers.join(', ')}` : ''})`,
    ),
  ];
}
