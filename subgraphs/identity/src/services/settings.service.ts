import {
  badUserInput,
  conflict,
  groupLoader,
  isUniqueViolation,
  notFound,
  optionalText,
  parseIntId,
  requireAdmin,
  requireAuthenticated,
  ScopedService,
  text,
} from '@socgraph/shared';
import { isIP } from 'node:net';
import type { RequestScope } from '../context';
import { sealSecret } from './stored-secrets';

/**
 * Seed 004's platform settings: the licence, SMTP, the customer portal's branding, customer
 * provisioning defaults and connectors with their change history. Admins read and change them
 * (the portal's branding is for every signed-in user); credentials are sealed on write and
 * never returned (`hasPassword`, `hasKey`...).
 */

export interface LicenseInput {
  licenseKey: string;
  customerName: string;
  companyName?: string | null;
  email?: string | null;
  validUntil?: Date | string | null;
  features?: string[] | null;
}
export interface SmtpInput {
  email: string;
  server: string;
  port: number;
  username?: string | null;
  password?: string | null;
  useTls?: boolean | null;
}
export interface PortalInput {
  title: string;
  logoBase64?: string | null;
  logoMimeType?: string | null;
}
export interface ProvisioningInput {
  clusterName: string;
  clusterKey?: string | null;
  masterIp?: string | null;
  grafanaUrl?: string | null;
  wazuhWorkerHostname?: string | null;
}
export interface ConnectorInput {
  name?: string | null;
  type?: string | null;
  url?: string | null;
  username?: string | null;
  password?: string | null;
  apiKey?: string | null;
  description?: string | null;
  supports?: Record<string, unknown> | null;
  enabled?: boolean | null;
}

const SHORT = { max: 255 };
const LOGO_TYPES = new Set(['image/png', 'image/jpeg', 'image/svg+xml']);
const MAX_LOGO_CHARS = 512 * 1024;

function url(value: string | null | undefined, field: string): string | null {
  const given = optionalText(value, field, { max: 1024 });
  if (given === null) return null;
  try {
    const parsed = new URL(given);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('scheme');
  } catch {
    throw badUserInput(`${field} must be an http(s) URL`, field);
  }
  return given;
}

interface RawLicense {
  id: number;
  customer_name: string;
  company_name: string | null;
  email: string | null;
  valid_until: Date | null;
  has_key: boolean;
  updated_at: Date;
  updated_by: string | null;
}

interface RawConnector {
  id: number;
  connector_name: string;
  connector_type: string;
  connector_url: string | null;
  connector_username: string | null;
  has_password: boolean;
  has_api_key: boolean;
  connector_description: string | null;
  connector_supports: Record<string, unknown>;
  connector_enabled: boolean;
  connector_verified: boolean;
  connector_last_updated: Date;
}

// Reads never select a credential column: only whether it is set.
const LICENSE_COLUMNS = `id, customer_name, company_name, email, valid_until, license_key IS NOT NULL AS has_key, updated_at, updated_by`;
const CONNECTOR_COLUMNS = `id, connector_name, connector_type, connector_url, connector_username,
  connector_password IS NOT NULL AS has_password, connector_api_key IS NOT NULL AS has_api_key,
  connector_description, connector_supports, connector_enabled, connector_verified, connector_last_updated`;

const licenseOut = (r: RawLicense) => ({
  id: String(r.id),
  customerName: r.customer_name,
  companyName: r.company_name,
  email: r.email,
  validUntil: r.valid_until,
  hasKey: r.has_key,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});
export type LicenseOut = ReturnType<typeof licenseOut>;

const connectorOut = (r: RawConnector) => ({
  id: String(r.id),
  name: r.connector_name,
  type: r.connector_type,
  url: r.connector_url,
  username: r.connector_username,
  hasPassword: r.has_password,
  hasApiKey: r.has_api_key,
  description: r.connector_description,
  supports: r.connector_supports,
  enabled: r.connector_enabled,
  verified: r.connector_verified,
  updatedAt: r.connector_last_updated,
});
export type ConnectorOut = ReturnType<typeof connectorOut>;

export class SettingsService extends ScopedService<RequestScope> {
  private get actor(): string {
    return (this.principal.username ?? this.principal.kind).slice(0, 64);
  }

  private get config() {
    return this.scope.deps.config;
  }

  /** Features of many licences, and history of many connectors: one statement each. */
  readonly featuresByLicense = groupLoader(
    async (ids: readonly string[]) =>
      (await this.dataSource.query(
        `SELECT license_id::text AS license_id, feature_name, is_enabled, expires_at FROM identity.license_cache
          WHERE license_id = ANY($1::int[]) ORDER BY feature_name`,
        [[...ids]],
      )) as { license_id: string; feature_name: string; is_enabled: boolean; expires_at: Date | null }[],
    (row) => row.license_id,
  );

  readonly historyByConnector = groupLoader(
    async (ids: readonly string[]) =>
      (await this.dataSource.query(
        `SELECT id, connector_id::text AS connector_id, change_timestamp, change_description, changed_by
           FROM identity.connectorhistory WHERE connector_id = ANY($1::int[]) ORDER BY id`,
        [[...ids]],
      )) as {
        id: number;
        connector_id: string;
        change_timestamp: Date;
        change_description: string;
        changed_by: string;
      }[],
    (row) => row.connector_id,
  );

  // --- licence ---------------------------------------------------------------------------

  async licenses(): Promise<LicenseOut[]> {
    requireAdmin(this.principal);
    return (
      (await this.dataSource.query(`SELECT ${LICENSE_COLUMNS} FROM identity.license ORDER BY id`)) as RawLicense[]
    ).map(licenseOut);
  }

  /** Replaces the licence (one per installation) and its feature cache. */
  async setLicense(input: LicenseInput): Promise<LicenseOut> {
    requireAdmin(this.principal);
    const key = sealSecret(
      this.config,
      text(input.licenseKey, 'input.licenseKey', { max: 4096 }),
      'license',
      'license_key',
      'input.licenseKey',
    );
    const customerName = text(input.customerName, 'input.customerName', SHORT);
    const companyName = optionalText(input.companyName, 'input.companyName', SHORT);
    const email = optionalText(input.email, 'input.email', SHORT);
    const validUntil = input.validUntil ? new Date(input.validUntil) : null;
    if (validUntil && Number.isNaN(validUntil.getTime()))
      throw badUserInput('input.validUntil is not a date', 'input.validUntil');
    const features = [...new Set((input.features ?? []).map((f) => text(f, 'input.features', { max: 100 })))];
    if (features.length > 100) throw badUserInput('input.features may hold at most 100 names', 'input.features');
    const [existing] = (await this.dataSource.query(
      `SELECT id FROM identity.license ORDER BY id LIMIT 1 FOR UPDATE`,
    )) as {
      id: number;
    }[];
    let id: number;
    if (existing) {
      id = existing.id;
      await this.dataSource.query(
        `UPDATE identity.license SET license_key = $2, customer_name = $3, company_name = $4, email = $5,
           valid_until = $6, updated_at = now(), updated_by = $7 WHERE id = $1`,
        [id, key, customerName, companyName, email, validUntil, this.actor],
      );
      await this.dataSource.query(`DELETE FROM identity.license_cache WHERE license_id = $1`, [id]);
    } else {
      const [row] = (await this.dataSource.query(
        `INSERT INTO identity.license (license_key, customer_name, company_name, email, valid_until, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [key, customerName, companyName, email, validUntil, this.actor],
      )) as { id: number }[];
      id = row!.id;
    }
    for (const feature of features) {
      await this.dataSource.query(
        `INSERT INTO identity.license_cache (license_id, feature_name, is_enabled, expires_at) VALUES ($1, $2, true, $3)`,
        [id, feature, validUntil],
      );
    }
    const [row] = (await this.dataSource.query(`SELECT ${LICENSE_COLUMNS} FROM identity.license WHERE id = $1`, [
      id,
    ])) as RawLicense[];
    return licenseOut(row!);
  }

  // --- SMTP --------------------------------------------------------------------------------

  async smtp() {
    requireAdmin(this.principal);
    const [row] = (await this.dataSource.query(
      `SELECT email, smtp_server, smtp_port, smtp_username, smtp_password IS NOT NULL AS has_password, use_tls, updated_at
         FROM identity.smtp ORDER BY id LIMIT 1`,
    )) as {
      email: string;
      smtp_server: string;
      smtp_port: number;
      smtp_username: string | null;
      has_password: boolean;
      use_tls: boolean;
      updated_at: Date;
    }[];
    return row
      ? {
          email: row.email,
          server: row.smtp_server,
          port: row.smtp_port,
          username: row.smtp_username,
          hasPassword: row.has_password,
          useTls: row.use_tls,
          updatedAt: row.updated_at,
        }
      : null;
  }

  /** The password is write-only: absent keeps the stored one, null removes it. */
  async updateSmtp(input: SmtpInput) {
    requireAdmin(this.principal);
    const email = text(input.email, 'input.email', {
      max: 255,
      pattern: /^[^\s@]+@[^\s@]+$/,
      patternHint: 'is not an e-mail address',
    });
    const server = text(input.server, 'input.server', {
      max: 255,
      pattern: /^[A-Za-z0-9.-]+$/,
      patternHint: 'must be a host name',
    });
    if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535)
      throw badUserInput('input.port must be 1 to 65535', 'input.port');
    const username = optionalText(input.username, 'input.username', SHORT);
    const password = sealSecret(this.config, input.password, 'smtp', 'smtp_password', 'input.password');
    const userId = parseIntId(this.principal.userId ?? '');
    const [existing] = (await this.dataSource.query(`SELECT id FROM identity.smtp ORDER BY id LIMIT 1 FOR UPDATE`)) as {
      id: number;
    }[];
    if (existing) {
      await this.dataSource.query(
        `UPDATE identity.smtp SET email = $2, smtp_server = $3, smtp_port = $4, smtp_username = $5,
           smtp_password = CASE WHEN $6::boolean THEN $7 ELSE smtp_password END, use_tls = $8, user_id = $9, updated_at = now()
         WHERE id = $1`,
        [
          existing.id,
          email,
          server,
          input.port,
          username,
          password !== undefined,
          password ?? null,
          input.useTls ?? true,
          userId,
        ],
      );
    } else {
      await this.dataSource.query(
        `INSERT INTO identity.smtp (email, smtp_server, smtp_port, smtp_username, smtp_password, use_tls, user_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [email, server, input.port, username, password ?? null, input.useTls ?? true, userId],
      );
    }
    return (await this.smtp())!;
  }

  // --- customer portal and provisioning defaults -------------------------------------------

  async portal() {
    requireAuthenticated(this.principal);
    const [row] = (await this.dataSource.query(
      `SELECT title, logo_base64, logo_mime_type, updated_at, updated_by FROM identity.customer_portal_settings ORDER BY id LIMIT 1`,
    )) as {
      title: string;
      logo_base64: string | null;
      logo_mime_type: string | null;
      updated_at: Date;
      updated_by: string | null;
    }[];
    return row
      ? {
          title: row.title,
          logoBase64: row.logo_base64,
          logoMimeType: row.logo_mime_type,
          updatedAt: row.updated_at,
          updatedBy: row.updated_by,
        }
      : null;
  }

  async updatePortal(input: PortalInput) {
    requireAdmin(this.principal);
    const title = text(input.title, 'input.title', SHORT);
    const logo = input.logoBase64 ?? null;
    if (logo !== null && (logo.length > MAX_LOGO_CHARS || !/^[A-Za-z0-9+/=]+$/.test(logo))) {
      throw badUserInput(`input.logoBase64 must be base64, at most ${MAX_LOGO_CHARS} characters`, 'input.logoBase64');
    }
    const mime = input.logoMimeType ?? null;
    if (mime !== null && !LOGO_TYPES.has(mime))
      throw badUserInput('input.logoMimeType must be image/png, image/jpeg or image/svg+xml', 'input.logoMimeType');
    if ((logo === null) !== (mime === null))
      throw badUserInput('input.logoBase64 and input.logoMimeType go together', 'input.logoMimeType');
    await this.upsertSingleton(
      'customer_portal_settings',
      ['title', 'logo_base64', 'logo_mime_type', 'updated_by'],
      [title, logo, mime, this.actor],
    );
    return (await this.portal())!;
  }

  async provisioning() {
    requireAdmin(this.principal);
    const [row] = (await this.dataSource.query(
      `SELECT cluster_name, cluster_key IS NOT NULL AS has_cluster_key, host(master_ip) AS master_ip, grafana_url,
              wazuh_worker_hostname, updated_at, updated_by
         FROM identity.customer_provisioning_default_settings ORDER BY id LIMIT 1`,
    )) as {
      cluster_name: string;
      has_cluster_key: boolean;
      master_ip: string | null;
      grafana_url: string | null;
      wazuh_worker_hostname: string | null;
      updated_at: Date;
      updated_by: string | null;
    }[];
    return row
      ? {
          clusterName: row.cluster_name,
          hasClusterKey: row.has_cluster_key,
          masterIp: row.master_ip,
          grafanaUrl: row.grafana_url,
          wazuhWorkerHostname: row.wazuh_worker_hostname,
          updatedAt: row.updated_at,
          updatedBy: row.updated_by,
        }
      : null;
  }

  async updateProvisioning(input: ProvisioningInput) {
    requireAdmin(this.principal);
    const clusterName = text(input.clusterName, 'input.clusterName', SHORT);
    const masterIp = optionalText(input.masterIp, 'input.masterIp', { max: 64 });
    if (masterIp !== null && isIP(masterIp) === 0)
      throw badUserInput('input.masterIp must be an IP address', 'input.masterIp');
    const grafanaUrl = url(input.grafanaUrl, 'input.grafanaUrl');
    const worker = optionalText(input.wazuhWorkerHostname, 'input.wazuhWorkerHostname', SHORT);
    const clusterKey = sealSecret(
      this.config,
      input.clusterKey,
      'customer_provisioning_default_settings',
      'cluster_key',
      'input.clusterKey',
    );
    const columns = ['cluster_name', 'master_ip', 'grafana_url', 'wazuh_worker_hostname', 'updated_by'];
    const values: unknown[] = [clusterName, masterIp, grafanaUrl, worker, this.actor];
    if (clusterKey !== undefined) {
      columns.push('cluster_key');
      values.push(clusterKey);
    }
    await this.upsertSingleton('customer_provisioning_default_settings', columns, values);
    return (await this.provisioning())!;
  }

  private async upsertSingleton(table: string, columns: string[], values: unknown[]): Promise<void> {
    const [existing] = (await this.dataSource.query(
      `SELECT id FROM identity.${table} ORDER BY id LIMIT 1 FOR UPDATE`,
    )) as { id: number }[];
    if (existing) {
      const set = columns.map((c, i) => `${c} = $${i + 2}`).join(', ');
      await this.dataSource.query(`UPDATE identity.${table} SET ${set}, updated_at = now() WHERE id = $1`, [
        existing.id,
        ...values,
      ]);
    } else {
      const placeholders = columns.map((_, i) => `$${i + 1}`).join(', ');
      await this.dataSource.query(
        `INSERT INTO identity.${table} (${columns.join(', ')}) VALUES (${placeholders})`,
        values,
      );
    }
  }

  // --- connectors ------------------------------------------------------------------------

  async connectors(): Promise<ConnectorOut[]> {
    requireAdmin(this.principal);
    return (
      (await this.dataSource.query(
        `SELECT ${CONNECTOR_COLUMNS} FROM identity.connectors ORDER BY connector_name`,
      )) as RawConnector[]
    ).map(connectorOut);
  }

  async createConnector(input: ConnectorInput): Promise<ConnectorOut> {
    requireAdmin(this.principal);
    const name = text(input.name ?? '', 'input.name', { max: 100 });
    const type = text(input.type ?? '', 'input.type', { max: 50 });
    try {
      const [row] = (await this.dataSource.query(
        `INSERT INTO identity.connectors (connector_name, connector_type, connector_url, connector_username, connector_password,
           connector_api_key, connector_description, connector_supports, connector_enabled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          name,
          type,
          url(input.url, 'input.url'),
          optionalText(input.username, 'input.username', SHORT),
          sealSecret(this.config, input.password, 'connectors', 'connector_password', 'input.password') ?? null,
          sealSecret(this.config, input.apiKey, 'connectors', 'connector_api_key', 'input.apiKey') ?? null,
          optionalText(input.description, 'input.description', { max: 2000 }),
          JSON.stringify(input.supports ?? {}),
          input.enabled ?? false,
        ],
      )) as { id: number }[];
      await this.history(row!.id, `created connector ${name}`);
      return this.connector(row!.id);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A connector named ${name} exists`);
      throw error;
    }
  }

  /** Changes the given fields; every change leaves a history row naming the fields (never a secret's value). */
  async updateConnector(id: string, input: ConnectorInput): Promise<ConnectorOut> {
    requireAdmin(this.principal);
    const rowId = parseIntId(id);
    const [current] =
      rowId === null
        ? []
        : ((await this.dataSource.query(`SELECT id FROM identity.connectors WHERE id = $1 FOR UPDATE`, [rowId])) as {
            id: number;
          }[]);
    if (!current) throw notFound('Connector', id);
    const sets: string[] = [];
    const values: unknown[] = [];
    const changed: string[] = [];
    const set = (column: string, value: unknown, label: string) => {
      values.push(value);
      sets.push(`${column} = $${values.length + 1}`);
      changed.push(label);
    };
    if (input.type != null) set('connector_type', text(input.type, 'input.type', { max: 50 }), 'type');
    if (input.url !== undefined) set('connector_url', url(input.url, 'input.url'), 'url');
    if (input.username !== undefined)
      set('connector_username', optionalText(input.username, 'input.username', SHORT), 'username');
    if (input.password !== undefined)
      set(
        'connector_password',
        sealSecret(this.config, input.password, 'connectors', 'connector_password', 'input.password'),
        'password',
      );
    if (input.apiKey !== undefined)
      set(
        'connector_api_key',
        sealSecret(this.config, input.apiKey, 'connectors', 'connector_api_key', 'input.apiKey'),
        'apiKey',
      );
    if (input.description !== undefined)
      set('connector_description', optionalText(input.description, 'input.description', { max: 2000 }), 'description');
    if (input.supports != null) set('connector_supports', JSON.stringify(input.supports), 'supports');
    if (input.enabled != null) set('connector_enabled', input.enabled, input.enabled ? 'enabled' : 'disabled');
    if (input.name != null) throw badUserInput('input.name cannot change; create a new connector', 'input.name');
    if (sets.length) {
      await this.dataSource.query(
        `UPDATE identity.connectors SET ${sets.join(', ')}, connector_last_updated = now() WHERE id = $1`,
        [current.id, ...values],
      );
      await this.history(current.id, `changed ${changed.join(', ')}`);
    }
    return this.connector(current.id);
  }

  private async connector(id: number): Promise<ConnectorOut> {
    const [row] = (await this.dataSource.query(`SELECT ${CONNECTOR_COLUMNS} FROM identity.connectors WHERE id = $1`, [
      id,
    ])) as RawConnector[];
    return connectorOut(row!);
  }

  private async history(connectorId: number, description: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO identity.connectorhistory (connector_id, change_description, changed_by) VALUES ($1, $2, $3)`,
      [connectorId, description, this.actor],
    );
  }
}
