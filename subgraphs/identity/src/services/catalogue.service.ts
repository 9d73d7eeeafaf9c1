import {
  badUserInput,
  canSeeCustomer,
  conflict,
  customerScope,
  groupLoader,
  isUniqueViolation,
  notFound,
  optionalText,
  requireAdmin,
  requireAuthenticated,
  ScopedService,
  text,
} from '@socgraph/shared';
import type { RequestScope } from '../context';
import { sealSecret } from './stored-secrets';

/**
 * Integrations and network connectors (seed 004): the same shape twice, so one service over
 * a table map. A catalogue entry names the auth keys it needs; subscribing a customer creates
 * the customer row, the service, the subscription and its sealed auth keys. Reads are scoped to
 * the caller's customers (the shared customer policy); auth key values are never returned.
 */
export interface Family {
  kind: 'integration' | 'network connector';
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

export const INTEGRATIONS: Family = {
  kind: 'integration',
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
};

export const NETWORK_CONNECTORS: Family = {
  kind: 'network connector',
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
};

export interface CatalogueInput {
  name: string;
  description?: string | null;
  details?: string | null;
  authKeyNames?: string[] | null;
}

export interface SubscribeInput {
  customerCode: string;
  name: string;
  deployed?: boolean | null;
  authKeys?: { name: string; value: string }[] | null;
  configs?: { key: string; value?: string | null }[] | null;
}

export interface CatalogueEntry {
  id: string;
  name: string;
  description: string | null;
  details: string | null;
  authKeyNames: string[];
}

export interface Subscription {
  id: string;
  customerCode: string;
  name: string;
  deployed: boolean;
  serviceId: number;
  subscriptionId: number | null;
}

const NAME = { max: 100 };

class FamilyService {
  constructor(
    private readonly owner: CatalogueService,
    private readonly f: Family,
  ) {}

  private get ds() {
    return this.owner.ds;
  }

  /** Auth key names and configs for many subscriptions: one statement each (lists stay flat). */
  readonly keysBySubscription = groupLoader(
    async (ids: readonly number[]) =>
      (await this.ds.query(
        `SELECT subscription_id, auth_key_name FROM identity.${this.f.keys} WHERE subscription_id = ANY($1::int[]) ORDER BY auth_key_name`,
        [[...ids]],
      )) as { subscription_id: number; auth_key_name: string }[],
    (row) => row.subscription_id,
  );

  readonly configsByService = groupLoader(
    async (ids: readonly number[]) =>
      (await this.ds.query(
        `SELECT ${this.f.configServiceFk} AS service_id, config_key, config_value FROM identity.${this.f.configs}
          WHERE ${this.f.configServiceFk} = ANY($1::int[]) ORDER BY config_key`,
        [[...ids]],
      )) as { service_id: number; config_key: string; config_value: string | null }[],
    (row) => row.service_id,
  );

  async catalogue(): Promise<CatalogueEntry[]> {
    requireAuthenticated(this.owner.principalOf());
    const f = this.f;
    const rows = (await this.ds.query(
      `SELECT a.id, a.${f.nameColumn} AS name, a.description, a.${f.detailsColumn} AS details,
              coalesce(array_agg(k.auth_key_name ORDER BY k.auth_key_name) FILTER (WHERE k.id IS NOT NULL), '{}') AS keys
         FROM identity.${f.available} a LEFT JOIN identity.${f.availableKeys} k ON k.${f.availableFk} = a.id
        GROUP BY a.id ORDER BY a.${f.nameColumn}`,
    )) as { id: number; name: string; description: string | null; details: string | null; keys: string[] }[];
    return rows.map((r) => ({
      id: String(r.id),
      name: r.name,
      description: r.description,
      details: r.details,
      authKeyNames: r.keys,
    }));
  }

  async create(input: CatalogueInput): Promise<CatalogueEntry> {
    requireAdmin(this.owner.principalOf());
    const f = this.f;
    const name = text(input.name, 'input.name', NAME);
    const keys = [...new Set((input.authKeyNames ?? []).map((k) => text(k, 'input.authKeyNames', NAME)))];
    if (keys.length > 50) throw badUserInput('input.authKeyNames may hold at most 50 names', 'input.authKeyNames');
    try {
      const [row] = (await this.ds.query(
        `INSERT INTO identity.${f.available} (${f.nameColumn}, description, ${f.detailsColumn}) VALUES ($1, $2, $3) RETURNING id`,
        [
          name,
          optionalText(input.description, 'input.description', { max: 2000 }),
          optionalText(input.details, 'input.details', { max: 10_000 }),
        ],
      )) as { id: number }[];
      for (const key of keys) {
        await this.ds.query(
          `INSERT INTO identity.${f.availableKeys} (${f.availableFk}, ${f.nameColumn}, auth_key_name) VALUES ($1, $2, $3)`,
          [row!.id, name, key],
        );
      }
      await this.ds.query(`INSERT INTO identity.${f.services} (service_name) VALUES ($1) ON CONFLICT DO NOTHING`, [
        name,
      ]);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`An ${f.kind} named ${name} exists`);
      throw error;
    }
    return (await this.catalogue()).find((e) => e.name === name)!;
  }

  /** The caller's customers' subscriptions (admins and analysts without a customer list: all). */
  async subscriptions(customerCode: string | null | undefined): Promise<Subscription[]> {
    const p = this.owner.principalOf();
    requireAuthenticated(p);
    const f = this.f;
    const scope = customerScope(p);
    if (customerCode && !canSeeCustomer(p, customerCode)) return [];
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (scope.kind === 'only') {
      params.push([...scope.codes]);
      conditions.push(`c.customer_code = ANY($${params.length})`);
    }
    if (customerCode) {
      params.push(customerCode);
      conditions.push(`c.customer_code = $${params.length}`);
    }
    const rows = (await this.ds.query(
      `SELECT c.id, c.customer_code, c.${f.customerServiceName} AS name, c.deployed, c.${f.customerServiceFk} AS service_id,
              s.id AS subscription_id
         FROM identity.${f.customers} c
         LEFT JOIN identity.${f.subscriptions} s ON s.customer_id = c.id AND s.${f.subscriptionServiceFk} = c.${f.customerServiceFk}
        ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY c.customer_code, name`,
      params,
    )) as {
      id: number;
      customer_code: string;
      name: string;
      deployed: boolean;
      service_id: number;
      subscription_id: number | null;
    }[];
    return rows.map((r) => ({
      id: String(r.id),
      customerCode: r.customer_code,
      name: r.name,
      deployed: r.deployed,
      serviceId: r.service_id,
      subscriptionId: r.subscription_id,
    }));
  }

  /** Admin: subscribes a customer (or changes its subscription); given auth keys are sealed and replace those of the same name. */
  async subscribe(input: SubscribeInput): Promise<Subscription> {
    requireAdmin(this.owner.principalOf());
    const f = this.f;
    const customerCode = text(input.customerCode, 'input.customerCode', { max: 50 });
    const name = text(input.name, 'input.name', NAME);
    const [entry] = (await this.ds.query(`SELECT id FROM identity.${f.available} WHERE ${f.nameColumn} = $1`, [
      name,
    ])) as { id: number }[];
    if (!entry) throw notFound(f.kind === 'integration' ? 'Integration' : 'NetworkConnector', name);
    const [customer] = (await this.ds.query(`SELECT 1 FROM identity.customers WHERE customer_code = $1`, [
      customerCode,
    ])) as unknown[];
    if (!customer) throw notFound('Customer', customerCode);
    const allowed = new Set(
      (
        (await this.ds.query(`SELECT auth_key_name FROM identity.${f.availableKeys} WHERE ${f.availableFk} = $1`, [
          entry.id,
        ])) as {
          auth_key_name: string;
        }[]
      ).map((r) => r.auth_key_name),
    );
    const keys = (input.authKeys ?? []).map((k) => {
      const keyName = text(k.name, 'input.authKeys.name', NAME);
      if (!allowed.has(keyName)) throw badUserInput(`${name} has no auth key ${keyName}`, 'input.authKeys.name');
      return {
        name: keyName,
        sealed: sealSecret(this.owner.config, k.value, f.keys, 'auth_value', 'input.authKeys.value')!,
      };
    });
    await this.ds.query(`INSERT INTO identity.${f.services} (service_name) VALUES ($1) ON CONFLICT DO NOTHING`, [name]);
    const [service] = (await this.ds.query(`SELECT id FROM identity.${f.services} WHERE service_name = $1`, [
      name,
    ])) as { id: number }[];
    const [row] = (await this.ds.query(
      `INSERT INTO identity.${f.customers} (customer_code, ${f.customerServiceFk}, ${f.customerServiceName}, deployed)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (customer_code, ${f.customerServiceFk}) DO UPDATE SET deployed = coalesce($5, ${f.customers}.deployed)
       RETURNING id`,
      [customerCode, service!.id, name, input.deployed ?? false, input.deployed ?? null],
    )) as { id: number }[];
    await this.ds.query(
      `INSERT INTO identity.${f.subscriptions} (customer_id, ${f.subscriptionServiceFk}) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [row!.id, service!.id],
    );
    const [subscription] = (await this.ds.query(
      `SELECT id FROM identity.${f.subscriptions} WHERE customer_id = $1 AND ${f.subscriptionServiceFk} = $2`,
      [row!.id, service!.id],
    )) as { id: number }[];
    for (const key of keys) {
      await this.ds.query(
        `INSERT INTO identity.${f.keys} (subscription_id, auth_key_name, auth_value) VALUES ($1, $2, $3)
         ON CONFLICT (subscription_id, auth_key_name) DO UPDATE SET auth_value = EXCLUDED.auth_value`,
        [subscription!.id, key.name, key.sealed],
      );
    }
    for (const config of input.configs ?? []) {
      await this.ds.query(
        `INSERT INTO identity.${f.configs} (${f.configServiceFk}, config_key, config_value) VALUES ($1, $2, $3)
         ON CONFLICT (${f.configServiceFk}, config_key) DO UPDATE SET config_value = EXCLUDED.config_value`,
        [
          service!.id,
          text(config.key, 'input.configs.key', NAME),
          optionalText(config.value, 'input.configs.value', { max: 2000 }),
        ],
      );
    }
    return (await this.subscriptions(customerCode)).find((s) => s.name === name)!;
  }
}

export class CatalogueService extends ScopedService<RequestScope> {
  readonly integrations = new FamilyService(this, INTEGRATIONS);
  readonly networkConnectors = new FamilyService(this, NETWORK_CONNECTORS);

  get ds() {
    return this.dataSource;
  }

  get config() {
    return this.scope.deps.config;
  }

  principalOf() {
    return this.principal;
  }
}

export type { FamilyService };
