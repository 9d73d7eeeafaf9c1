import { EntitySchema } from 'typeorm';

/** A host running a collection agent (seed 004's `agents`), owned by one customer. */
export interface EndpointAgentRow {
  id: number;
  agentId: string;
  hostname: string;
  ipAddress: string | null;
  os: string | null;
  label: string | null;
  status: string;
  lastSeen: Date | null;
  criticalAsset: boolean;
  velociraptorId: string | null;
  velociraptorOrg: string | null;
  customerCode: string;
  quarantined: boolean;
  createdAt: Date;
}

export const EndpointAgentEntity = new EntitySchema<EndpointAgentRow>({
  name: 'EndpointAgent',
  tableName: 'agents',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    agentId: { name: 'agent_id', type: 'varchar', length: 255 },
    hostname: { type: 'varchar', length: 255 },
    ipAddress: { name: 'ip_address', type: 'varchar', length: 64, nullable: true },
    os: { type: 'varchar', length: 255, nullable: true },
    label: { type: 'varchar', length: 255, nullable: true },
    status: { type: 'varchar', length: 20 },
    lastSeen: { name: 'last_seen', type: 'timestamptz', nullable: true },
    criticalAsset: { name: 'critical_asset', type: 'boolean' },
    velociraptorId: { name: 'velociraptor_id', type: 'varchar', length: 255, nullable: true },
    velociraptorOrg: { name: 'velociraptor_org', type: 'varchar', length: 100, nullable: true },
    customerCode: { name: 'customer_code', type: 'varchar', length: 50 },
    quarantined: { type: 'boolean' },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
  },
});

export interface VulnerabilityRow {
  id: number;
  cveId: string;
  severity: string;
  title: string;
  status: string;
  discoveredAt: Date;
  agentId: string;
  customerCode: string;
}

export const VulnerabilityEntity = new EntitySchema<VulnerabilityRow>({
  name: 'Vulnerability',
  tableName: 'agent_vulnerabilities',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    cveId: { name: 'cve_id', type: 'varchar', length: 50 },
    severity: { type: 'varchar', length: 20 },
    title: { type: 'varchar', length: 1024 },
    status: { type: 'varchar', length: 20 },
    discoveredAt: { name: 'discovered_at', type: 'timestamptz', precision: 3 },
    agentId: { name: 'agent_id', type: 'varchar', length: 255 },
    customerCode: { name: 'customer_code', type: 'varchar', length: 50 },
  },
});
