import { auditCaptureTriggerSql } from '@socgraph/shared';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Seed 004's platform settings (issue #11): licences, SMTP, the customer portal, customer
 * provisioning defaults, integrations and network connectors (catalogue, per-customer
 * subscriptions, configs, auth keys, meta), and connectors with their change history.
 *
 * Every credential column (licence key, SMTP password, cluster key, auth key values,
 * connector password and API key) holds only a sealed value, `v1:<keyId>:<iv>:<tag>:<data>`
 * (AES-256-GCM, shared/src/crypto/secret-box.ts): the key id travels with each value so keys
 * can rotate. The CHECKs refuse anything else, so a plaintext write fails in the database too.
 */
const SEALED = (column: string) => `CHECK (${column} IS NULL OR ${column} LIKE 'v1:%')`;

/** One catalogue family (integrations, network connectors): seed 004's table names. */
interface Family {
  available: string;
  availableKeys: string;
  availableFk: string;
  nameColumn: string;
  detailsColumn: string;
  services: string;
  customers: string;
  customerServiceFk: string;
  customerServiceName: string;
  subscriptions: string;
  subscriptionServiceFk: string;
  configs: string;
  configServiceFk: string;
  keys: string;
  meta: string;
}

export const FAMILIES: Family[] = [
  {
    available: 'available_integrations',
    availableKeys: 'available_integrations_auth_keys',
    availableFk: 'integration_id',
    nameColumn: 'integration_name',
    detailsColumn: 'integration_details',
    services: 'integration_services',
    customers: 'customer_integrations',
    customerServiceFk: 'integration_service_id',
    customerServiceName: 'integration_service_name',
    subscriptions: 'integration_subscriptions',
    subscriptionServiceFk: 'integration_service_id',
    configs: 'integration_configs',
    configServiceFk: 'integration_service_id',
    keys: 'integration_auth_keys',
    meta: 'customer_integrations_meta',
  },
  {
    available: 'available_network_connectors',
    availableKeys: 'available_network_connectors_keys',
    availableFk: 'network_connector_id',
    nameColumn: 'network_connector_name',
    detailsColumn: 'network_connector_details',
    services: 'network_connectors_services',
    customers: 'customer_network_connectors',
    customerServiceFk: 'network_connector_service_id',
    customerServiceName: 'network_connector_service_name',
    subscriptions: 'network_connectors_subscriptions',
    subscriptionServiceFk: 'network_connectors_service_id',
    configs: 'network_connectors_configs',
    configServiceFk: 'network_connector_service_id',
    keys: 'network_connectors_keys',
    meta: 'customer_network_connectors_meta',
  },
];

export class IdentitySettings1765100000000 implements MigrationInterface {
  name = 'IdentitySettings1765100000000';

  async up(q: QueryRunner): Promise<void> {
    const tables: string[] = [];
    const create = async (table: string, body: string) => {
      await q.query(`CREATE TABLE identity.${table} (${body})`);
      tables.push(table);
    };

    await create(
      'license',
      `id serial PRIMARY KEY,
       license_key text NOT NULL ${SEALED('license_key')},
       customer_name varchar(255) NOT NULL,
       company_name varchar(255),
       email varchar(255),
       valid_until timestamptz,
       created_at timestamptz NOT NULL DEFAULT now(),
       updated_at timestamptz NOT NULL DEFAULT now(),
       updated_by varchar(64)`,
    );
    await create(
      'license_cache',
      `id serial PRIMARY KEY,
       license_id integer NOT NULL REFERENCES identity.license (id) ON DELETE CASCADE,
       feature_name varchar(100) NOT NULL,
       is_enabled boolean NOT NULL DEFAULT true,
       cached_at timestamptz NOT NULL DEFAULT now(),
       expires_at timestamptz,
       license_data jsonb,
       UNIQUE (license_id, feature_name)`,
    );
    await create(
      'smtp',
      `id serial PRIMARY KEY,
       email varchar(255) NOT NULL,
       smtp_server varchar(255) NOT NULL,
       smtp_port integer NOT NULL CHECK (smtp_port BETWEEN 1 AND 65535),
       smtp_username varchar(255),
       smtp_password text ${SEALED('smtp_password')},
       use_tls boolean NOT NULL DEFAULT true,
       user_id integer REFERENCES identity.users (id) ON DELETE SET NULL,
       updated_at timestamptz NOT NULL DEFAULT now()`,
    );
    await create(
      'customer_portal_settings',
      `id serial PRIMARY KEY,
       title varchar(255) NOT NULL,
       logo_base64 text,
       logo_mime_type varchar(64) CHECK (logo_mime_type IS NULL OR logo_mime_type IN ('image/png', 'image/jpeg', 'image/svg+xml')),
       updated_at timestamptz NOT NULL DEFAULT now(),
       updated_by varchar(64)`,
    );
    await create(
      'customer_provisioning_default_settings',
      `id serial PRIMARY KEY,
       cluster_name varchar(255) NOT NULL,
       cluster_key text ${SEALED('cluster_key')},
       master_ip inet,
       grafana_url varchar(1024),
       wazuh_worker_hostname varchar(255),
       updated_at timestamptz NOT NULL DEFAULT now(),
       updated_by varchar(64)`,
    );

    for (const f of FAMILIES) {
      await create(
        f.available,
        `id serial PRIMARY KEY,
         ${f.nameColumn} varchar(100) NOT NULL UNIQUE,
         description text,
         ${f.detailsColumn} text`,
      );
      await create(
        f.availableKeys,
        `id serial PRIMARY KEY,
         ${f.availableFk} integer NOT NULL REFERENCES identity.${f.available} (id) ON DELETE CASCADE,
         ${f.nameColumn} varchar(100) NOT NULL,
         auth_key_name varchar(100) NOT NULL,
         UNIQUE (${f.availableFk}, auth_key_name)`,
      );
      await create(
        f.services,
        `id serial PRIMARY KEY,
         service_name varchar(100) NOT NULL UNIQUE,
         auth_type varchar(50) NOT NULL DEFAULT 'api_key'`,
      );
      await create(
        f.customers,
        `id serial PRIMARY KEY,
         customer_code varchar(50) NOT NULL REFERENCES identity.customers (customer_code) ON DELETE CASCADE,
         ${f.customerServiceFk} integer NOT NULL REFERENCES identity.${f.services} (id),
         ${f.customerServiceName} varchar(100) NOT NULL,
         deployed boolean NOT NULL DEFAULT false,
         UNIQUE (customer_code, ${f.customerServiceFk})`,
      );
      await create(
        f.subscriptions,
        `id serial PRIMARY KEY,
         customer_id integer NOT NULL REFERENCES identity.${f.customers} (id) ON DELETE CASCADE,
         ${f.subscriptionServiceFk} integer NOT NULL REFERENCES identity.${f.services} (id),
         UNIQUE (customer_id, ${f.subscriptionServiceFk})`,
      );
      await create(
        f.configs,
        `id serial PRIMARY KEY,
         ${f.configServiceFk} integer NOT NULL REFERENCES identity.${f.services} (id) ON DELETE CASCADE,
         config_key varchar(100) NOT NULL,
         config_value text,
         UNIQUE (${f.configServiceFk}, config_key)`,
      );
      await create(
        f.keys,
        `id serial PRIMARY KEY,
         subscription_id integer NOT NULL REFERENCES identity.${f.subscriptions} (id) ON DELETE CASCADE,
         auth_key_name varchar(100) NOT NULL,
         auth_value text NOT NULL ${SEALED('auth_value')},
         UNIQUE (subscription_id, auth_key_name)`,
      );
      await create(
        f.meta,
        `id serial PRIMARY KEY,
         customer_code varchar(50) NOT NULL REFERENCES identity.customers (customer_code) ON DELETE CASCADE,
         ${f.nameColumn} varchar(100) NOT NULL,
         graylog_input_id varchar(100),
         graylog_index_id varchar(100),
         graylog_stream_id varchar(100),
         graylog_pipeline_id varchar(100),
         graylog_content_pack_input_id varchar(100),
         graylog_content_pack_stream_id varchar(100),
         grafana_org_id varchar(100),
         grafana_dashboard_folder_id varchar(100),
         grafana_datasource_uid varchar(100),
         UNIQUE (customer_code, ${f.nameColumn})`,
      );
    }

    await create(
      'connectors',
      `id serial PRIMARY KEY,
       connector_name varchar(100) NOT NULL UNIQUE,
       connector_type varchar(50) NOT NULL,
       connector_url varchar(1024),
       connector_username varchar(255),
       connector_password text ${SEALED('connector_password')},
       connector_api_key text ${SEALED('connector_api_key')},
       connector_description text,
       connector_supports jsonb NOT NULL DEFAULT '{}',
       connector_enabled boolean NOT NULL DEFAULT false,
       connector_verified boolean NOT NULL DEFAULT false,
       connector_last_updated timestamptz NOT NULL DEFAULT now()`,
    );
    await create(
      'connectorhistory',
      `id serial PRIMARY KEY,
       connector_id integer NOT NULL REFERENCES identity.connectors (id) ON DELETE CASCADE,
       change_timestamp timestamptz(3) NOT NULL DEFAULT now(),
       change_description text NOT NULL,
       changed_by varchar(64) NOT NULL`,
    );
    await q.query(`CREATE INDEX connectorhistory_connector_idx ON identity.connectorhistory (connector_id, id)`);

    const redacted: Record<string, string[]> = {
      license: ['license_key'],
      smtp: ['smtp_password'],
      customer_provisioning_default_settings: ['cluster_key'],
      integration_auth_keys: ['auth_value'],
      network_connectors_keys: ['auth_value'],
      connectors: ['connector_password', 'connector_api_key'],
    };
    for (const table of tables) {
      await q.query(auditCaptureTriggerSql('identity', table, { redact: redacted[table] ?? [] }));
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const tables = [
      'connectorhistory',
      'connectors',
      ...FAMILIES.flatMap((f) => [
        f.meta,
        f.keys,
        f.configs,
        f.subscriptions,
        f.customers,
        f.services,
        f.availableKeys,
        f.available,
      ]),
      'customer_provisioning_default_settings',
      'customer_portal_settings',
      'smtp',
      'license_cache',
      'license',
    ];
    for (const table of tables) await q.query(`DROP TABLE IF EXISTS identity.${table}`);
  }
}
