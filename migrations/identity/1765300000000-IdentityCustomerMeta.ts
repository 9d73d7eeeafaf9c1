import { auditCaptureTriggerSql } from '@socgraph/shared';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Seed 004's `customersmeta`: per-customer provisioning metadata (Graylog index and stream,
 * Grafana organisation and dashboard folder, Wazuh group, ports and agent enrolment password,
 * IRIS and Office 365 ids, Portainer stack). One row per customer. The Wazuh enrolment
 * password is a credential: sealed like every other (`v1:` values only), redacted from audit.
 */
export class IdentityCustomerMeta1765300000000 implements MigrationInterface {
  name = 'IdentityCustomerMeta1765300000000';

  async up(q: QueryRunner): Promise<void> {
    const port = (column: string) => `${column} integer CHECK (${column} BETWEEN 1 AND 65535)`;
    await q.query(`
      CREATE TABLE identity.customersmeta (
        id serial PRIMARY KEY,
        customer_code varchar(50) NOT NULL UNIQUE
          REFERENCES identity.customers (customer_code) ON DELETE CASCADE,
        customer_meta_graylog_index varchar(255),
        customer_meta_graylog_stream varchar(255),
        customer_meta_grafana_org_id varchar(100),
        customer_meta_grafana_dashboard_folder_id varchar(100),
        customer_meta_wazuh_group varchar(100),
        customer_meta_index_retention integer CHECK (customer_meta_index_retention BETWEEN 1 AND 36500),
        ${port('customer_meta_wazuh_registration_port')},
        ${port('customer_meta_wazuh_log_ingestion_port')},
        customer_meta_wazuh_auth_password text
          CHECK (customer_meta_wazuh_auth_password IS NULL OR customer_meta_wazuh_auth_password LIKE 'v1:%'),
        customer_meta_iris_customer_id varchar(100),
        customer_meta_office365_organization_id varchar(100),
        customer_meta_portainer_stack_id integer CHECK (customer_meta_portainer_stack_id >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by varchar(64)
      )`);
    await q.query(
      auditCaptureTriggerSql('identity', 'customersmeta', { redact: ['customer_meta_wazuh_auth_password'] }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE identity.customersmeta`);
  }
}
