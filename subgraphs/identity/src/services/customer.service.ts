import {
  badUserInput,
  canSeeCustomer,
  conflict,
  customerCondition,
  isUniqueViolation,
  optionalText,
  paginate,
  requireAdmin,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { RequestScope } from '../context';
import { CustomerEntity, type CustomerRow } from '../entities';

export interface CreateCustomerInput {
  code: string;
  name: string;
  parentCode?: string | null;
  contactName?: string | null;
  phone?: string | null;
  address?: string | null;
}

export const CUSTOMER_CODE_RULE = {
  max: 50,
  pattern: /^[A-Za-z0-9_-]+$/,
  patternHint: 'may hold letters, digits, - and _ only',
};

/** Customers (tenants), scoped by the shared policy: a caller sees only customers in its scope. */
export class CustomerService extends ScopedService<RequestScope> {
  async list(args: ConnectionArgs): Promise<Connection<CustomerRow>> {
    const scoped = customerCondition(this.scope.principal, 'c.customer_code');
    const query = this.scope.deps.dataSource
      .getRepository(CustomerEntity)
      .createQueryBuilder('c')
      .where(scoped.sql, scoped.params);
    return paginate(query, args, [{ column: 'c.id', direction: 'ASC', value: (c) => c.id }]);
  }

  async byCode(code: string): Promise<CustomerRow | null> {
    if (!canSeeCustomer(this.scope.principal, code)) return null;
    return this.scope.loaders.customerByCode.load(code);
  }

  async create(input: CreateCustomerInput): Promise<CustomerRow> {
    requireAdmin(this.scope.principal);
    const row = {
      code: text(input.code, 'input.code', CUSTOMER_CODE_RULE),
      name: text(input.name, 'input.name', { max: 255 }),
      parentCode: optionalText(input.parentCode, 'input.parentCode', CUSTOMER_CODE_RULE),
      contactName: optionalText(input.contactName, 'input.contactName', { max: 255 }),
      phone: optionalText(input.phone, 'input.phone', { max: 50 }),
      address: optionalText(input.address, 'input.address', { max: 1024 }),
    };
    const repo = this.scope.deps.dataSource.getRepository(CustomerEntity);
    if (row.parentCode && !(await repo.existsBy({ code: row.parentCode }))) {
      throw badUserInput(`Unknown parent customer ${row.parentCode}`, 'input.parentCode');
    }
    if (await repo.existsBy({ code: row.code })) throw conflict(`Customer ${row.code} exists`);
    try {
      return await repo.save(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`Customer ${row.code} exists`);
      throw error;
    }
  }
}
