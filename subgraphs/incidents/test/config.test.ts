import type { TestSubgraph } from '@socgraph/testkit';
import {
  ADMIN,
  ANALYST_ALL,
  ANALYST_C1,
  AUDITOR,
  CUSTOMER_USER,
  SERVICE,
  countRows,
  errorCodes,
  errorFields,
  ok,
  startIncidents,
} from './support';

let incidents: TestSubgraph;

beforeAll(async () => {
  incidents = await startIncidents();
});
afterAll(async () => incidents?.stop());

type Page<N> = {
  totalCount: number;
  edges: { cursor: string; node: N }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
};

const CREATE_TEMPLATE = `mutation ($input: CreateReportTemplateInput!) { createReportTemplate(input: $input) { id name bucketName objectKey fileName contentType fileSize uploadedAt fileHash } }`;
const template = (name: string) => ({
  name,
  bucketName: 'reports',
  objectKey: `templates/${name}.docx`,
  fileName: `${name}.docx`,
  contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  fileSize: 2048,
  fileHash: 'AB'.repeat(32),
});

describe('config: report templates', () => {
  it('creates, reads, lists and deletes a template, with the row written and removed', async () => {
    const { createReportTemplate: created } = await ok<{ createReportTemplate: Record<string, unknown> }>(
      incidents,
      CREATE_TEMPLATE,
      { input: template('Incident summary') },
    );
    expect(created).toMatchObject({ name: 'Incident summary', fileSize: 2048, fileHash: 'ab'.repeat(32) });
    const [row] = await incidents.dataSource.query(
      `SELECT report_template_name, object_key, file_size FROM incidents.incident_management_case_report_template_datastore WHERE id = $1`,
      [created.id],
    );
    expect(row).toEqual({
      report_template_name: 'Incident summary',
      object_key: 'templates/Incident summary.docx',
      file_size: '2048',
    });

    const read = await ok<{ reportTemplate: { name: string } | null; reportTemplates: Page<{ id: string }> }>(
      incidents,
      `query ($id: ID!) { reportTemplate(id: $id) { name } reportTemplates(filter: { search: "summary" }) { totalCount edges { node { id } } } }`,
      { id: created.id },
      ANALYST_C1,
    );
    expect(read.reportTemplate).toEqual({ name: 'Incident summary' });
    expect(read.reportTemplates.edges.map((e) => e.node.id)).toEqual([created.id]);

    const deleted = await ok<{ deleteReportTemplate: string }>(
      incidents,
      `mutation ($id: ID!) { deleteReportTemplate(id: $id) }`,
      { id: created.id },
    );
    expect(deleted.deleteReportTemplate).toBe(created.id);
    const after = await ok<{ reportTemplate: unknown }>(
      incidents,
      `query ($id: ID!) { reportTemplate(id: $id) { id } }`,
      {
        id: created.id,
      },
    );
    expect(after.reportTemplate).toBeNull();
  });

  it('refuses a taken name with CONFLICT, oversized strings and bad hashes with BAD_USER_INPUT, writing nothing', async () => {
    await ok(incidents, CREATE_TEMPLATE, { input: template('Weekly') });
    const before = await countRows(incidents, 'incident_management_case_report_template_datastore');
    const duplicate = await incidents.query(CREATE_TEMPLATE, { input: template('Weekly') }, ADMIN);
    expect(errorCodes(duplicate)).toEqual(['CONFLICT']);
    const longKey = await incidents.query(
      CREATE_TEMPLATE,
      { input: { ...template('Long'), objectKey: 'k'.repeat(1025) } },
      ADMIN,
    );
    expect(errorCodes(longKey)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(longKey)).toEqual(['input.objectKey']);
    const badHash = await incidents.query(
      CREATE_TEMPLATE,
      { input: { ...template('Hash'), fileHash: 'not-hex' } },
      ADMIN,
    );
    expect(errorFields(badHash)).toEqual(['input.fileHash']);
    expect(await countRows(incidents, 'incident_management_case_report_template_datastore')).toBe(before);
  });

  it('NOT_FOUND when deleting unknown or malformed ids', async () => {
    for (const id of ['999999', 'abc']) {
      const result = await incidents.query(`mutation ($id: ID!) { deleteReportTemplate(id: $id) }`, { id }, ADMIN);
      expect(errorCodes(result)).toEqual(['NOT_FOUND']);
    }
  });
});

describe('config: roles', () => {
  const CREATES: [string, string, Record<string, unknown>][] = [
    ['incident_management_case_report_template_datastore', CREATE_TEMPLATE, { input: template('Role test') }],
    [
      'incident_management_notification',
      `mutation ($input: CreateNotificationSettingInput!) { createNotificationSetting(input: $input) { id } }`,
      { input: { customerCode: 'C1', shuffleWorkflowId: 'wf-role' } },
    ],
    [
      'sigma_queries',
      `mutation ($input: CreateSigmaQueryInput!) { createSigmaQuery(input: $input) { id } }`,
      { input: { ruleName: 'role', ruleQuery: 'q' } },
    ],
    [
      'monitoring_alerts',
      `mutation ($input: CreateMonitoringAlertInput!) { createMonitoringAlert(input: $input) { id } }`,
      { input: { alertId: 'r', alertIndex: 'r', customerCode: 'C1', alertSource: 'wazuh' } },
    ],
    [
      'custom_alert_creation_settings',
      `mutation ($input: AlertCreationSettingsInput!) { upsertAlertCreationSettings(input: $input) { id } }`,
      { input: { customerCode: 'C1' } },
    ],
  ];

  it('refuses writes by every role but admin with FORBIDDEN, writing nothing', async () => {
    for (const [table, mutation, variables] of CREATES) {
      const before = await countRows(incidents, table);
      for (const principal of [ANALYST_ALL, ANALYST_C1, SERVICE, CUSTOMER_USER, AUDITOR]) {
        expect(errorCodes(await incidents.query(mutation, variables, principal))).toEqual(['FORBIDDEN']);
      }
      expect(errorCodes(await incidents.query(mutation, variables))).toEqual(['UNAUTHENTICATED']);
      expect(await countRows(incidents, table)).toBe(before);
    }
  });

  it('lets admins, analysts and the service principal read; customer users and auditors get FORBIDDEN', async () => {
    const LISTS = [
      'reportTemplates',
      'notificationSettings',
      'sigmaExclusions',
      'fieldMappings',
      'alertCreationSettingsList',
      'monitoringAlerts',
      'sigmaQueries',
    ];
    for (const principal of [ADMIN, ANALYST_C1, ANALYST_ALL, SERVICE]) {
      const all = await incidents.query(
        `{ ${LISTS.map((list) => `${list} { totalCount }`).join(' ')} }`,
        {},
        principal,
      );
      expect(all.body.errors).toBeUndefined();
    }
    for (const principal of [CUSTOMER_USER, AUDITOR]) {
      for (const list of LISTS) {
        expect(errorCodes(await incidents.query(`{ ${list} { totalCount } }`, {}, principal))).toEqual(['FORBIDDEN']);
      }
      const single = await incidents.query(`{ sigmaQuery(id: "1") { id } }`, {}, principal);
      expect(errorCodes(single)).toEqual(['FORBIDDEN']);
    }
  });
});

describe('config: notification settings', () => {
  const CREATE = `mutation ($input: CreateNotificationSettingInput!) { createNotificationSetting(input: $input) { id customerCode shuffleWorkflowId enabled customer { code } } }`;
  const LIST = `query ($filter: NotificationSettingFilter) { notificationSettings(filter: $filter) { totalCount edges { node { customerCode shuffleWorkflowId enabled } } } }`;
  let ids: string[] = [];

  beforeAll(async () => {
    ids = [];
    for (const [customerCode, shuffleWorkflowId, enabled] of [
      ['C1', 'wf-1', true],
      ['C2', 'wf-2', true],
      ['C3', 'wf-3', false],
    ] as const) {
      const data = await ok<{ createNotificationSetting: { id: string } }>(incidents, CREATE, {
        input: { customerCode, shuffleWorkflowId, enabled },
      });
      ids.push(data.createNotificationSetting.id);
    }
  });

  it('scopes the list to the analyst’s customers, in the page and the count', async () => {
    type Data = { notificationSettings: Page<{ customerCode: string }> };
    const scoped = await ok<Data>(incidents, LIST, { filter: { customerCode: null } }, ANALYST_C1);
    expect(scoped.notificationSettings.totalCount).toBe(scoped.notificationSettings.edges.length);
    expect(new Set(scoped.notificationSettings.edges.map((e) => e.node.customerCode))).toEqual(new Set(['C1']));
    const all = await ok<Data>(incidents, LIST, {}, ANALYST_ALL);
    expect(new Set(all.notificationSettings.edges.map((e) => e.node.customerCode))).toEqual(
      new Set(['C1', 'C2', 'C3']),
    );
    const outside = await ok<Data>(incidents, LIST, { filter: { customerCode: 'C2' } }, ANALYST_C1);
    expect(outside.notificationSettings).toMatchObject({ totalCount: 0, edges: [] });
  });

  it('filters by customer and enabled, updates enabled, and deletes', async () => {
    const disabled = await ok<{ notificationSettings: Page<{ shuffleWorkflowId: string }> }>(incidents, LIST, {
      filter: { enabled: false, customerCode: 'C3' },
    });
    expect(disabled.notificationSettings.edges.map((e) => e.node.shuffleWorkflowId)).toEqual(['wf-3']);
    const updated = await ok<{ updateNotificationSetting: { enabled: boolean } }>(
      incidents,
      `mutation ($id: ID!) { updateNotificationSetting(id: $id, enabled: true) { enabled } }`,
      { id: ids[2] },
    );
    expect(updated.updateNotificationSetting.enabled).toBe(true);
    const [row] = await incidents.dataSource.query(
      `SELECT enabled FROM incidents.incident_management_notification WHERE id = $1`,
      [ids[2]],
    );
    expect(row.enabled).toBe(true);
    const deleted = await ok<{ deleteNotificationSetting: string }>(
      incidents,
      `mutation ($id: ID!) { deleteNotificationSetting(id: $id) }`,
      { id: ids[2] },
    );
    expect(deleted.deleteNotificationSetting).toBe(ids[2]);
    const again = await incidents.query(
      `mutation ($id: ID!) { updateNotificationSetting(id: $id, enabled: false) { id } }`,
      { id: ids[2] },
      ADMIN,
    );
    expect(errorCodes(again)).toEqual(['NOT_FOUND']);
  });

  it('CONFLICT on a duplicate; BAD_USER_INPUT on a malformed customer or an oversized workflow id', async () => {
    const before = await countRows(incidents, 'incident_management_notification');
    expect(
      errorCodes(await incidents.query(CREATE, { input: { customerCode: 'C1', shuffleWorkflowId: 'wf-1' } }, ADMIN)),
    ).toEqual(['CONFLICT']);
    const badCode = await incidents.query(CREATE, { input: { customerCode: 'C 1', shuffleWorkflowId: 'wf-9' } }, ADMIN);
    expect(errorFields(badCode)).toEqual(['input.customerCode']);
    const longId = await incidents.query(
      CREATE,
      { input: { customerCode: 'C1', shuffleWorkflowId: 'w'.repeat(256) } },
      ADMIN,
    );
    expect(errorFields(longId)).toEqual(['input.shuffleWorkflowId']);
    expect(await countRows(incidents, 'incident_management_notification')).toBe(before);
  });
});

describe('config: sigma exclusions', () => {
  const CREATE = `mutation ($input: CreateSigmaExclusionInput!) { createSigmaExclusion(input: $input) { id name customerCode createdBy matchCount enabled fieldMatches } }`;
  const LIST = `query ($filter: SigmaExclusionFilter) { sigmaExclusions(filter: $filter) { totalCount edges { node { id name customerCode } } } }`;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    for (const [name, customerCode] of [
      ['global noise', null],
      ['c1 backup job', 'C1'],
      ['c2 scanner', 'C2'],
    ] as const) {
      const data = await ok<{ createSigmaExclusion: { id: string } }>(incidents, CREATE, {
        input: {
          name,
          customerCode,
          channel: 'Security',
          fieldMatches: { 'Event.EventData.Image': 'backup.exe', EventID: 4688 },
        },
      });
      ids[name] = data.createSigmaExclusion.id;
    }
  });

  it('shows global exclusions to every reader and customer ones within scope', async () => {
    type Data = { sigmaExclusions: Page<{ name: string }> };
    const scoped = await ok<Data>(incidents, LIST, {}, ANALYST_C1);
    expect(scoped.sigmaExclusions.edges.map((e) => e.node.name).sort()).toEqual(['c1 backup job', 'global noise']);
    expect(scoped.sigmaExclusions.totalCount).toBe(2);
    expect((await ok<Data>(incidents, LIST, {}, ANALYST_ALL)).sigmaExclusions.totalCount).toBe(3);
    const single = `query ($id: ID!) { sigmaExclusion(id: $id) { name } }`;
    expect((await ok(incidents, single, { id: ids['c2 scanner'] }, ANALYST_C1)).sigmaExclusion).toBeNull();
    expect((await ok(incidents, single, { id: ids['global noise'] }, ANALYST_C1)).sigmaExclusion).toEqual({
      name: 'global noise',
    });
  });

  it('filters by global, customer, enabled and name', async () => {
    const names = async (filter: Record<string, unknown>) =>
      (await ok<{ sigmaExclusions: Page<{ name: string }> }>(incidents, LIST, { filter })).sigmaExclusions.edges.map(
        (e) => e.node.name,
      );
    expect(await names({ global: true })).toEqual(['global noise']);
    expect(await names({ global: false, customerCode: 'C2' })).toEqual(['c2 scanner']);
    expect(await names({ search: 'BACKUP' })).toEqual(['c1 backup job']);
    expect(await names({ enabled: false })).toEqual([]);
  });

  it('records the creator, updates (null clears), and deletes', async () => {
    const created = await ok<{ createSigmaExclusion: Record<string, unknown> }>(incidents, CREATE, {
      input: { name: 'temp', description: 'why', title: 'Rule X' },
    });
    expect(created.createSigmaExclusion).toMatchObject({
      createdBy: 'admin',
      matchCount: 0,
      enabled: true,
      fieldMatches: {},
      customerCode: null,
    });
    const id = created.createSigmaExclusion.id as string;
    const updated = await ok<{ updateSigmaExclusion: Record<string, unknown> }>(
      incidents,
      `mutation ($id: ID!, $input: UpdateSigmaExclusionInput!) { updateSigmaExclusion(id: $id, input: $input) { name description title enabled fieldMatches } }`,
      { id, input: { description: null, enabled: false, fieldMatches: { User: 'svc' } } },
    );
    expect(updated.updateSigmaExclusion).toEqual({
      name: 'temp',
      description: null,
      title: 'Rule X',
      enabled: false,
      fieldMatches: { User: 'svc' },
    });
    const [row] = await incidents.dataSource.query(
      `SELECT description, enabled, field_matches FROM incidents.incident_management_velo_sigma_exclusion WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({ description: null, enabled: false, field_matches: { User: 'svc' } });
    expect(
      (await ok(incidents, `mutation ($id: ID!) { deleteSigmaExclusion(id: $id) }`, { id })).deleteSigmaExclusion,
    ).toBe(id);
    expect(
      errorCodes(await incidents.query(`mutation ($id: ID!) { deleteSigmaExclusion(id: $id) }`, { id }, ADMIN)),
    ).toEqual(['NOT_FOUND']);
  });

  it('BAD_USER_INPUT for an oversized name or a nested field match; nothing written or changed', async () => {
    const before = await countRows(incidents, 'incident_management_velo_sigma_exclusion');
    expect(errorFields(await incidents.query(CREATE, { input: { name: 'n'.repeat(256) } }, ADMIN))).toEqual([
      'input.name',
    ]);
    expect(
      errorFields(await incidents.query(CREATE, { input: { name: 'x', fieldMatches: { a: { b: 1 } } } }, ADMIN)),
    ).toEqual(['input.fieldMatches']);
    const update = await incidents.query(
      `mutation ($id: ID!, $input: UpdateSigmaExclusionInput!) { updateSigmaExclusion(id: $id, input: $input) { id } }`,
      { id: ids['global noise'], input: { title: 't'.repeat(256), enabled: false } },
      ADMIN,
    );
    expect(errorFields(update)).toEqual(['input.title']);
    expect(await countRows(incidents, 'incident_management_velo_sigma_exclusion')).toBe(before);
    const [row] = await incidents.dataSource.query(
      `SELECT enabled FROM incidents.incident_management_velo_sigma_exclusion WHERE id = $1`,
      [ids['global noise']],
    );
    expect(row.enabled).toBe(true);
  });
});

describe('config: field mappings', () => {
  const CREATE = `mutation ($input: CreateFieldMappingInput!) { createFieldMapping(input: $input) { id kind source fieldName } }`;
  const LIST = `query ($first: Int, $after: String, $filter: FieldMappingFilter) { fieldMappings(first: $first, after: $after, filter: $filter) {
    totalCount edges { cursor node { id kind source fieldName } } pageInfo { hasNextPage endCursor } } }`;
  type Mapping = { id: string; kind: string; source: string; fieldName: string };
  const created: Mapping[] = [];

  beforeAll(async () => {
    const inputs = [
      ['FIELD', 'wazuh', 'rule_id'],
      ['FIELD', 'graylog', 'source'],
      ['ASSET', 'wazuh', 'agent_name'],
      ['TIMESTAMP', 'wazuh', 'timestamp'],
      ['ALERT_TITLE', 'wazuh', 'rule_description'],
      ['IOC', 'wazuh', 'data_srcip'],
      ['IOC', 'wazuh', 'agent_name'], // the same field may serve several kinds
      ['CUSTOMER_CODE', 'wazuh', 'agent_labels_customer'],
    ];
    for (const [kind, source, fieldName] of inputs) {
      created.push(
        (await ok<{ createFieldMapping: Mapping }>(incidents, CREATE, { input: { kind, source, fieldName } }))
          .createFieldMapping,
      );
    }
  });

  it('stores each kind in its own table and names the kind in the id', async () => {
    expect(created[2]).toMatchObject({
      kind: 'ASSET',
      fieldName: 'agent_name',
      id: expect.stringMatching(/^ASSET:\d+$/),
    });
    const [row] = await incidents.dataSource.query(
      `SELECT source, field_name FROM incidents.incident_management_assetfieldname`,
    );
    expect(row).toEqual({ source: 'wazuh', field_name: 'agent_name' });
    expect(await countRows(incidents, 'incident_management_iocfieldname')).toBe(2);
  });

  it('filters by kinds and source (case-insensitive), and pages every kind in one order', async () => {
    const filtered = await ok<{ fieldMappings: Page<Mapping> }>(incidents, LIST, {
      filter: { kinds: ['ASSET', 'IOC'], source: 'WAZUH' },
    });
    expect(filtered.fieldMappings.edges.map((e) => `${e.node.kind}/${e.node.fieldName}`)).toEqual([
      'ASSET/agent_name',
      'IOC/agent_name',
      'IOC/data_srcip',
    ]);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: { fieldMappings: Page<Mapping> } = await ok(incidents, LIST, { first: 3, after });
      seen.push(...data.fieldMappings.edges.map((e) => e.node.id));
      expect(data.fieldMappings.totalCount).toBe(created.length);
      if (!data.fieldMappings.pageInfo.hasNextPage) break;
      after = data.fieldMappings.pageInfo.endCursor;
    }
    const expected = [...created].sort((a, b) =>
      a.kind + '\0' + a.source + '\0' + a.fieldName < b.kind + '\0' + b.source + '\0' + b.fieldName ? -1 : 1,
    );
    expect(seen).toEqual(expected.map((m) => m.id));
  });

  it('CONFLICT on a duplicate within a kind, BAD_USER_INPUT on an oversized source, NOT_FOUND on unknown ids', async () => {
    expect(
      errorCodes(
        await incidents.query(CREATE, { input: { kind: 'FIELD', source: 'wazuh', fieldName: 'rule_id' } }, ADMIN),
      ),
    ).toEqual(['CONFLICT']);
    const long = await incidents.query(
      CREATE,
      { input: { kind: 'FIELD', source: 's'.repeat(51), fieldName: 'x' } },
      ADMIN,
    );
    expect(errorFields(long)).toEqual(['input.source']);
    expect(await countRows(incidents, 'incident_management_fieldname')).toBe(2);
    for (const id of ['ASSET:999999', 'NOPE:1', created[0]!.id.split(':')[1]!, 'FIELD:1:2']) {
      expect(
        errorCodes(await incidents.query(`mutation ($id: ID!) { deleteFieldMapping(id: $id) }`, { id }, ADMIN)),
      ).toEqual(['NOT_FOUND']);
    }
  });

  it('deletes by id from the right table', async () => {
    const target = created.find((m) => m.kind === 'TIMESTAMP')!;
    expect(
      (await ok(incidents, `mutation ($id: ID!) { deleteFieldMapping(id: $id) }`, { id: target.id }))
        .deleteFieldMapping,
    ).toBe(target.id);
    expect(await countRows(incidents, 'incident_management_timestampfieldname')).toBe(0);
    expect(await countRows(incidents, 'incident_management_fieldname')).toBe(2);
  });
});
