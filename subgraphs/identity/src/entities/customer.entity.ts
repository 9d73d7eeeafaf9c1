import { EntitySchema } from 'typeorm';

export interface CustomerRow {
  id: number;
  code: string;
  parentCode: string | null;
  name: string;
  contactName: string | null;
  phone: string | null;
  address: string | null;
  createdAt: Date;
}

export const CustomerEntity = new EntitySchema<CustomerRow>({
  name: 'Customer',
  tableName: 'customers',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    code: { name: 'customer_code', type: 'varchar', length: 50, unique: true },
    parentCode: { name: 'parent_customer_code', type: 'varchar', length: 50, nullable: true },
    name: { name: 'customer_name', type: 'varchar', length: 255 },
    contactName: { name: 'contact_name', type: 'varchar', length: 255, nullable: true },
    phone: { type: 'varchar', length: 50, nullable: true },
    address: { type: 'varchar', length: 1024, nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
});
