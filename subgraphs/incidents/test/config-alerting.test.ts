import type { TestSubgraph } from '@socgraph/testkit';
import {
  ADMIN,
  ANALYST_ALL,
  ANALYST_C1,
  countRows,
  countStatements,
  errorCodes,
  errorFields,
  ok,
  startIncidents,
} from './support';

/** Platform configuration, part two: alert-creation settings, monitoring alerts, sigma queries, paging. */
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

const UPSERT = `mutation ($input: AlertCreationSettingsInput!) { upsertAlertCreationSettings(input: $input) {
  id customerCode nvdUrl customIntegrationUrls createdAt updatedAt
  eventOrders { orderLabel conditions { fieldName fieldValue } eventConfigs { eventId field value } } } }`;
const SETTINGS = `query ($code: String!) { alertCreationSettings(customerCode: $code) { id customerCode eventOrders { orderLabel } } }`;

const eventOrder = (label: string, n = 2) => ({
  orderLabel: label,
  conditions: Array.from({ length: n }, (_, i) => ({ fieldName: `rule_group_${i}`, fieldValue: `value ${i}` })),
  eventConfigs: Array.from({ length: n }, (_, i) => ({ eventId: `${4600 + i}`, field: 'severity', value: 'High' })),
});

describe('config: alert-creation settings', () => {
  it('creates the nested tree, then replaces it as a whole', async () => {
    const first = await ok<{ upsertAlertCreationSettings: Record<string, unknown> }>(incidents, UPSERT, {
      input: {
        customerCode: 'C1',
        nvdUrl: 'https://services.nvd.nist.gov/rest/json/cves/2.0',
        customIntegrationUrls: { mimecast: 'https://mimecast.example/api' },
        eventOrders: [eventOrder('first'), eventOrder('second', 1)],
      },
    });
    expect(first.upsertAlertCreationSettings).toMatchObject({
      customerCode: 'C1',
      customIntegrationUrls: { mimecast: 'https://mimecast.example/api' },
      eventOrders: [
        {
          orderLabel: 'first',
          conditions: [
            { fieldName: 'rule_group_0', fieldValue: 'value 0' },
            { fieldName: 'rule_group_1', fieldValue: 'value 1' },
          ],
          eventConfigs: [
            { eventId: '4600', field: 'severity', value: 'High' },
            { eventId: '4601', field: 'severity', value: 'High' },
          ],
        },
        { orderLabel: 'second', conditions: [{ fieldName: 'rule_group_0' }], eventConfigs: [{ eventId: '4600' }] },
      ],
    });
    expect(await countRows(incidents, 'custom_alert_creation_condition')).toBe(3);

    const second = await ok<{ upsertAlertCreationSettings: Record<string, unknown> }>(incidents, UPSERT, {
      input: { customerCode: 'C1', eventOrders: [eventOrder('only', 1)] },
    });
    expect(second.upsertAlertCreationSettings).toMatchObject({
      id: first.upsertAlertCreationSettings.id,
      createdAt: first.upsertAlertCreationSettings.createdAt,
      nvdUrl: null,
      customIntegrationUrls: {},
      eventOrders: [{ orderLabel: 'only' }],
    });
    expect(await countRows(incidents, 'custom_alert_creation_settings')).toBe(1);
    expect(await countRows(incidents, 'custom_alert_creation_event_order')).toBe(1);
    expect(await countRows(incidents, 'custom_alert_creation_condition')).toBe(1);
    expect(await countRows(incidents, 'custom_alert_creation_event_config')).toBe(1);
  });

  it('scopes reads to the analyst’s customers', async () => {
    await ok(incidents, UPSERT, { input: { customerCode: 'C2', eventOrders: [eventOrder('c2')] } });
    expect((await ok(incidents, SETTINGS, { code: 'C2' }, ANALYST_C1)).alertCreationSettings).toBeNull();
    expect((await ok(incidents, SETTINGS, { code: 'C1' }, ANALYST_C1)).alertCreationSettings).toMatchObject({
      customerCode: 'C1',
    });
    expect((await ok(incidents, SETTINGS, { code: 'C2' }, ANALYST_ALL)).alertCreationSettings).toMatchObject({
      eventOrders: [{ orderLabel: 'c2' }],
    });
    const list = await ok<{ alertCreationSettingsList: Page<{ customerCode: string }> }>(
      incidents,
      `{ alertCreationSettingsList { totalCount edges { node { customerCode } } } }`,
      {},
      ANALYST_C1,
    );
    expect(list.alertCreationSettingsList.totalCount).toBe(1);
    expect(list.alertCreationSettingsList.edges.map((e) => e.node.customerCode)).toEqual(['C1']);
  });

  it('BAD_USER_INPUT names the oversized nested field, and the old tree stays', async () => {
    const tooLong = eventOrder('bad');
    tooLong.conditions[1]!.fieldValue = 'v'.repeat(1025);
    const result = await incidents.query(UPSERT, { input: { customerCode: 'C1', eventOrders: [tooLong] } }, ADMIN);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(result)).toEqual(['input.eventOrders.0.conditions.1.fieldValue']);
    const badUrl = await incidents.query(UPSERT, { input: { customerCode: 'C1', nvdUrl: 'ftp://x' } }, ADMIN);
    expect(errorFields(badUrl)).toEqual(['input.nvdUrl']);
    expect((await ok(incidents, SETTINGS, { code: 'C1' })).alertCreationSettings).toMatchObject({
      eventOrders: [{ orderLabel: 'only' }],
    });
  });

  it('deletes a customer’s settings with their tree; NOT_FOUND after', async () => {
    const DELETE = `mutation ($code: String!) { deleteAlertCreationSettings(customerCode: $code) }`;
    const { alertCreationSettings } = await ok<{ alertCreationSettings: { id: string } }>(incidents, SETTINGS, {
      code: 'C2',
    });
    expect((await ok(incidents, DELETE, { code: 'C2' })).deleteAlertCreationSettings).toBe(alertCreationSettings.id);
    const [row] = await incidents.dataSource.query(
      `SELECT count(*)::int AS n FROM incidents.custom_alert_creation_event_order WHERE alert_creation_settings_id = $1`,
      [alertCreationSettings.id],
    );
    expect(row.n).toBe(0);
    expect(errorCodes(await incidents.query(DELETE, { code: 'C2' }, ADMIN))).toEqual(['NOT_FOUND']);
  });

  it('lists settings with nested event orders in the same number of statements for 2 and 20', async () => {
    for (let i = 0; i < 20; i++) {
      const code = `S${String(i).padStart(2, '0')}`;
      await ok(incidents, UPSERT, { input: { customerCode: code, eventOrders: [eventOrder('a'), eventOrder('b')] } });
    }
    const QUERY = `query ($first: Int) { alertCreationSettingsList(first: $first) { totalCount
      edges { node { customerCode customer { code } eventOrders { orderLabel conditions { fieldName } eventConfigs { eventId } } } } } }`;
    const counts: number[] = [];
    for (const first of [2, 20]) {
      const { result, statements } = await countStatements(incidents, QUERY, { first });
      expect(result.body.errors).toBeUndefined();
      const page = (result.body.data as { alertCreationSettingsList: Page<{ eventOrders: unknown[] }> })
        .alertCreationSettingsList;
      expect(page.edges).toHaveLength(first);
      expect(page.edges.every((e) => e.node.eventOrders.length > 0)).toBe(true);
      counts.push(statements);
    }
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBe(counts[0]);
  });
});

describe('config: monitoring alerts', () => {
  const CREATE = `mutation ($input: CreateMonitoringAlertInput!) { createMonitoringAlert(input: $input) { id alertId alertIndex customerCode alertSource customer { code } } }`;
  const alert = {
    alertId: 'abc-1',
    alertIndex: 'wazuh-alerts-4.x-2025.01.01',
    customerCode: 'C1',
    alertSource: 'wazuh',
  };

  it('is idempotent on (alertIndex, alertId): the same alert returns the recorded row', async () => {
    const first = await ok<{ createMonitoringAlert: { id: string } }>(incidents, CREATE, { input: alert });
    expect(first.createMonitoringAlert).toMatchObject({ ...alert, customer: { code: 'C1' } });
    const again = await ok<{ createMonitoringAlert: { id: string } }>(incidents, CREATE, { input: alert });
    expect(again.createMonitoringAlert.id).toBe(first.createMonitoringAlert.id);
    expect(await countRows(incidents, 'monitoring_alerts')).toBe(1);
  });

  it('CONFLICT for the same key with another customer, BAD_USER_INPUT for oversized keys; nothing written', async () => {
    expect(errorCodes(await incidents.query(CREATE, { input: { ...alert, customerCode: 'C2' } }, ADMIN))).toEqual([
      'CONFLICT',
    ]);
    const long = await incidents.query(CREATE, { input: { ...alert, alertId: 'x'.repeat(256) } }, ADMIN);
    expect(errorFields(long)).toEqual(['input.alertId']);
    expect(await countRows(incidents, 'monitoring_alerts')).toBe(1);
    const [row] = await incidents.dataSource.query(`SELECT customer_code FROM incidents.monitoring_alerts`);
    expect(row.customer_code).toBe('C1');
  });

  it('scopes and filters the list, and deletes', async () => {
    await ok(incidents, CREATE, { input: { ...alert, alertId: 'abc-2', customerCode: 'C2', alertSource: 'graylog' } });
    const LIST = `query ($filter: MonitoringAlertFilter) { monitoringAlerts(filter: $filter) { totalCount edges { node { id alertId } } } }`;
    type Data = { monitoringAlerts: Page<{ id: string; alertId: string }> };
    const ids = async (filter: Record<string, unknown>, principal = ADMIN) =>
      (await ok<Data>(incidents, LIST, { filter }, principal)).monitoringAlerts.edges.map((e) => e.node.alertId);
    expect(await ids({})).toEqual(['abc-2', 'abc-1']);
    expect(await ids({}, ANALYST_C1)).toEqual(['abc-1']);
    expect(await ids({ alertSource: 'graylog' })).toEqual(['abc-2']);
    expect(await ids({ customerCode: 'C2' }, ANALYST_C1)).toEqual([]);
    expect(await ids({ createdAfter: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    const [target] = (await ok<Data>(incidents, LIST, { filter: { alertSource: 'graylog' } })).monitoringAlerts.edges;
    const DELETE = `mutation ($id: ID!) { deleteMonitoringAlert(id: $id) }`;
    expect((await ok(incidents, DELETE, { id: target!.node.id })).deleteMonitoringAlert).toBe(target!.node.id);
    expect(errorCodes(await incidents.query(DELETE, { id: target!.node.id }, ADMIN))).toEqual(['NOT_FOUND']);
  });
});

describe('config: sigma queries', () => {
  const CREATE = `mutation ($input: CreateSigmaQueryInput!) { createSigmaQuery(input: $input) { id ruleName ruleQuery active timeInterval lastExecutionTime } }`;
  const UPDATE = `mutation ($id: ID!, $input: UpdateSigmaQueryInput!) { updateSigmaQuery(id: $id, input: $input) { ruleName active timeInterval } }`;
  let id = '';

  it('creates with defaults, reads, and updates', async () => {
    const created = await ok<{ createSigmaQuery: Record<string, unknown> }>(incidents, CREATE, {
      input: { ruleName: 'Suspicious PowerShell', ruleQuery: 'process.name:powershell.exe AND args:*-enc*' },
    });
    expect(created.createSigmaQuery).toMatchObject({ active: true, timeInterval: '5m', lastExecutionTime: null });
    id = created.createSigmaQuery.id as string;
    const read = await ok(incidents, `query ($id: ID!) { sigmaQuery(id: $id) { ruleName } }`, { id }, ANALYST_C1);
    expect(read.sigmaQuery).toEqual({ ruleName: 'Suspicious PowerShell' });
    const updated = await ok(incidents, UPDATE, { id, input: { active: false, timeInterval: '1d' } });
    expect(updated.updateSigmaQuery).toEqual({ ruleName: 'Suspicious PowerShell', active: false, timeInterval: '1d' });
    const [row] = await incidents.dataSource.query(
      `SELECT active, time_interval FROM incidents.sigma_queries WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({ active: false, time_interval: '1d' });
  });

  it('BAD_USER_INPUT for a malformed timeInterval or an oversized name; nothing written or changed', async () => {
    const before = await countRows(incidents, 'sigma_queries');
    for (const timeInterval of ['5x', '0m', '1w', '5 m', 'm', '12345m']) {
      const result = await incidents.query(
        CREATE,
        { input: { ruleName: `r ${timeInterval}`, ruleQuery: 'q', timeInterval } },
        ADMIN,
      );
      expect(errorFields(result)).toEqual(['input.timeInterval']);
    }
    expect(
      errorFields(await incidents.query(CREATE, { input: { ruleName: 'r'.repeat(256), ruleQuery: 'q' } }, ADMIN)),
    ).toEqual(['input.ruleName']);
    expect(
      errorFields(await incidents.query(UPDATE, { id, input: { timeInterval: '1y', active: true } }, ADMIN)),
    ).toEqual(['input.timeInterval']);
    expect(await countRows(incidents, 'sigma_queries')).toBe(before);
    const [row] = await incidents.dataSource.query(
      `SELECT active, time_interval FROM incidents.sigma_queries WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({ active: false, time_interval: '1d' });
  });

  it('CONFLICT on a taken rule name, on create and on rename', async () => {
    const other = await ok<{ createSigmaQuery: { id: string } }>(incidents, CREATE, {
      input: { ruleName: 'Other', ruleQuery: 'q', timeInterval: '1h' },
    });
    expect(errorCodes(await incidents.query(CREATE, { input: { ruleName: 'Other', ruleQuery: 'q' } }, ADMIN))).toEqual([
      'CONFLICT',
    ]);
    const rename = await incidents.query(
      UPDATE,
      { id: other.createSigmaQuery.id, input: { ruleName: 'Suspicious PowerShell' } },
      ADMIN,
    );
    expect(errorCodes(rename)).toEqual(['CONFLICT']);
  });

  it('filters, and deletes; unknown ids are null to read and NOT_FOUND to change', async () => {
    const LIST = `query ($filter: SigmaQueryFilter) { sigmaQueries(filter: $filter) { totalCount edges { node { ruleName } } } }`;
    const names = async (filter: Record<string, unknown>) =>
      (await ok<{ sigmaQueries: Page<{ ruleName: string }> }>(incidents, LIST, { filter })).sigmaQueries.edges.map(
        (e) => e.node.ruleName,
      );
    expect(await names({})).toEqual(['Other', 'Suspicious PowerShell']);
    expect(await names({ active: false })).toEqual(['Suspicious PowerShell']);
    expect(await names({ search: 'powershell' })).toEqual(['Suspicious PowerShell']);
    const DELETE = `mutation ($id: ID!) { deleteSigmaQuery(id: $id) }`;
    expect((await ok(incidents, DELETE, { id })).deleteSigmaQuery).toBe(id);
    expect((await ok(incidents, `query ($id: ID!) { sigmaQuery(id: $id) { id } }`, { id })).sigmaQuery).toBeNull();
    expect(errorCodes(await incidents.query(DELETE, { id }, ADMIN))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await incidents.query(UPDATE, { id: '999999', input: { active: true } }, ADMIN))).toEqual([
      'NOT_FOUND',
    ]);
  });
});

describe('config: pagination', () => {
  const LISTS = [
    'reportTemplates',
    'notificationSettings',
    'sigmaExclusions',
    'fieldMappings',
    'alertCreationSettingsList',
    'monitoringAlerts',
    'sigmaQueries',
  ];

  it('BAD_USER_INPUT for first above 100 or below 0 and for malformed cursors, on every list', async () => {
    for (const list of LISTS) {
      const query = `query ($first: Int, $after: String) { ${list}(first: $first, after: $after) { totalCount } }`;
      for (const variables of [{ first: 101 }, { first: -1 }, { first: 5, after: 'not a cursor' }]) {
        expect(errorCodes(await incidents.query(query, variables, ADMIN))).toEqual(['BAD_USER_INPUT']);
      }
      expect((await incidents.query(query, { first: 100 }, ADMIN)).body.errors).toBeUndefined();
    }
  });

  it('walks every page once, in order, with totalCount agreeing', async () => {
    for (let i = 0; i < 7; i++) await ok(incidents, UPSERT, { input: { customerCode: `P${i}` } });
    const QUERY = `query ($after: String) { alertCreationSettingsList(first: 3, after: $after) {
      totalCount edges { node { customerCode } } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    const totals = new Set<number>();
    for (;;) {
      const data: { alertCreationSettingsList: Page<{ customerCode: string }> } = await ok(incidents, QUERY, { after });
      seen.push(...data.alertCreationSettingsList.edges.map((e) => e.node.customerCode));
      totals.add(data.alertCreationSettingsList.totalCount);
      if (!data.alertCreationSettingsList.pageInfo.hasNextPage) break;
      after = data.alertCreationSettingsList.pageInfo.endCursor;
    }
    expect(totals).toEqual(new Set([seen.length]));
    expect(seen.length).toBeGreaterThanOrEqual(7);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
  });
});
