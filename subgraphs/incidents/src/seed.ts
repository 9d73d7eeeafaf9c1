import type { DemoSeedOptions } from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import { AlertEntity, TagEntity } from './entities';
import { T } from './services/visibility';

/**
 * Demo tags, in this order so an empty database gives them ids 1..5: identity's demo seed
 * grants the analyst tags 1 (network) and 3 (phishing).
 */
export const DEMO_TAGS = ['network', 'endpoint', 'phishing', 'vip', 'cloud'];

type DemoAlert = [
  name: string,
  customer: string,
  source: string,
  severity: string,
  tags: string[],
  iocs: [string, string][],
];

const DEMO_ALERTS: DemoAlert[] = [
  ['Outbound connection to known C2 host', 'ACME', 'wazuh', 'Critical', ['network'], [['203.0.113.66', 'ip']]],
  [
    'Credential phishing email delivered to finance',
    'ACME',
    'graylog',
    'High',
    ['phishing'],
    [['invoices-acme.example', 'domain']],
  ],
  [
    'Mimikatz execution on domain controller',
    'ACME',
    'velociraptor',
    'Critical',
    ['endpoint', 'vip'],
    [['4a1c...e9', 'sha256']],
  ],
  ['Impossible travel sign-in for CFO', 'GLOBEX', 'office365', 'High', ['vip', 'cloud'], []],
  ['Port scan from internal host', 'GLOBEX', 'wazuh', 'Medium', ['network'], [['10.0.4.17', 'ip']]],
  ['Suspicious PowerShell download cradle', 'GLOBEX', 'wazuh', 'High', ['endpoint'], [['198.51.100.23', 'ip']]],
  ['New admin account created outside change window', 'INITECH', 'wazuh', 'Medium', [], []],
  [
    'Mail forwarding rule to external address',
    'INITECH',
    'office365',
    'Low',
    ['phishing', 'cloud'],
    [['collect@mailbox.example', 'email']],
  ],
  ['Antivirus definitions out of date', 'ACME', 'wazuh', 'Informational', [], []],
  ['Brute-force against VPN gateway', 'GLOBEX', 'graylog', 'High', ['network'], [['192.0.2.200', 'ip']]],
];

/**
 * Hosts the demo alerts concern, by alert index: the asset name and the id of agents' demo
 * endpoint agent on that host (subgraphs/agents/src/seed.ts, `agent-<customer>-<nnn>`), so
 * `alerts { assets { agent { hostname vulnerabilities } } }` resolves through the gateway.
 */
const DEMO_ASSETS: [alertIndex: number, assetName: string, agentId: string][] = [
  [0, 'acme-dc01', 'agent-acme-001'],
  [1, 'acme-laptop-17', 'agent-acme-002'],
  [2, 'acme-dc01', 'agent-acme-001'],
  [4, 'globex-db02', 'agent-globex-004'],
  [5, 'globex-web01', 'agent-globex-003'],
];

/** Seeds tags, tag-RBAC settings (on, untagged visible to all), alerts and two cases when incidents is empty. */
export async function seedIncidentsDemo(dataSource: DataSource, _options: DemoSeedOptions): Promise<string[]> {
  if ((await dataSource.getRepository(AlertEntity).count()) > 0) return [];
  await dataSource.transaction(async (tx) => {
    const tags = await tx.getRepository(TagEntity).save(DEMO_TAGS.map((name) => ({ name })));
    const tagId = (name: string): number => tags.find((t) => t.name === name)!.id;
    const alertIds: number[] = [];
    for (const [i, [name, customerCode, source, severity, tagNames, iocs]] of DEMO_ALERTS.entries()) {
      const alert = await tx.getRepository(AlertEntity).save({
        name,
        description: `${name}. Raised by ${source} for ${customerCode}.`,
        customerCode,
        source,
        severity: severity as never,
        status: i % 4 === 3 ? 'IN_PROGRESS' : 'OPEN',
        assignedTo: i % 3 === 0 ? 'analyst' : null,
      });
      alertIds.push(alert.id);
      for (const tag of tagNames)
        await tx.query(`INSERT INTO ${T.alertTag} (alert_id, tag_id) VALUES ($1, $2)`, [alert.id, tagId(tag)]);
      for (const [value, type] of iocs) {
        const [ioc] = (await tx.query(
          `INSERT INTO ${T.ioc} (value, type) VALUES ($1, $2) ON CONFLICT (value, type) DO UPDATE SET type = EXCLUDED.type RETURNING id`,
          [value, type],
        )) as { id: number }[];
        await tx.query(`INSERT INTO ${T.alertIoc} (alert_id, ioc_id) VALUES ($1, $2)`, [alert.id, ioc!.id]);
      }
      await tx.query(
        `INSERT INTO incidents.incident_management_comment (alert_id, comment, user_name, author_role) VALUES ($1, $2, 'admin', 'admin')`,
        [alert.id, 'Triage started; see the linked IoCs.'],
      );
    }
    for (const [index, assetName, agentId] of DEMO_ASSETS)
      await tx.query(
        `INSERT INTO incidents.incident_management_asset (alert_linked, asset_name, agent_id, customer_code) VALUES ($1, $2, $3, $4)`,
        [alertIds[index], assetName, agentId, DEMO_ALERTS[index]![1]],
      );
    const cases: [string, string, number[]][] = [
      ['ACME credential theft', 'ACME', [alertIds[1]!, alertIds[2]!]],
      ['GLOBEX executive account compromise', 'GLOBEX', [alertIds[3]!]],
    ];
    for (const [name, customerCode, linked] of cases) {
      const [row] = (await tx.query(
        `INSERT INTO ${T.case} (case_name, case_description, customer_code, assigned_to) VALUES ($1, $2, $3, 'analyst') RETURNING id`,
        [name, `Investigation: ${name}.`, customerCode],
      )) as { id: number }[];
      for (const alertId of linked)
        await tx.query(`INSERT INTO ${T.caseAlert} (case_id, alert_id) VALUES ($1, $2)`, [row!.id, alertId]);
    }
    await tx.query(
      `INSERT INTO incidents.incident_management_tag_access_settings (enabled, untagged_alert_behavior, updated_by)
       VALUES (true, 'VISIBLE_TO_ALL', 'demo-seed')`,
    );
  });
  return [
    `incidents: tags ${DEMO_TAGS.join(', ')}; ${DEMO_ALERTS.length} alerts (tagged and untagged) with ${DEMO_ASSETS.length} assets on agents' demo hosts, 2 cases; tag RBAC on`,
    '  the analyst sees only ACME and GLOBEX alerts tagged network or phishing, plus untagged ones',
  ];
}
