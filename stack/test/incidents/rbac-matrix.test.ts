import { TAG_RBAC_OFF, type Principal, type TagAccessSettings, type UntaggedAlertBehavior } from '@socgraph/shared';
import type { GraphQLResponse } from '../../src/testing';
import { createAlert, createCustomers, createTags, createUser, setTagAccess, startGraph, type Graph } from './support';

/**
 * The RBAC matrix of the incidents issue: principals of every role with empty, one and
 * several allowed tags (from the user and from the role) and with and without customer rows,
 * under tag RBAC off and each untagged behaviour, over untagged, single- and multi-tagged
 * alerts across customers. Every read path must show exactly what an oracle written here,
 * independently of the shared policy, says the principal may see.
 */
jest.setTimeout(300_000);

const CUSTOMERS = ['C1', 'C2', 'C3'];
const TAGS = ['T1', 'T2', 'T3', 'T4'];
/** Tag shapes of the alerts created for every customer. */
const ALERT_TAGS: string[][] = [[], ['T1'], ['T2'], ['T1', 'T2'], ['T3'], ['T4', 'T1']];
/** Cases per customer: indexes into that customer's alerts. */
const CASE_ALERTS: number[][] = [[], [0], [1], [4, 0], [2], [5, 4]];
const ROLES = ['admin', 'analyst', 'customer_user', 'auditor', 'scheduler'];
const USER_TAGS: string[][] = [[], ['T1'], ['T2', 'T3']];
const USER_CUSTOMERS: string[][] = [[], ['C1'], ['C2', 'C3']];

interface AlertFixture {
  id: string;
  customer: string;
  tags: string[];
}
interface CaseFixture {
  id: string;
  customer: string;
  alerts: AlertFixture[];
}
interface UserFixture {
  id: string;
  username: string;
  role: string;
  customers: string[];
  tags: string[];
  token: string;
}
interface Settings {
  label: string;
  enabled: boolean;
  behavior: UntaggedAlertBehavior;
  defaultTag: string | null;
}

// ---------------------------------------------------------------- the oracle

function oracleCustomerOk(user: UserFixture, customer: string): boolean {
  switch (user.role) {
    case 'admin':
    case 'scheduler':
      return true;
    case 'analyst':
      return user.customers.length === 0 || user.customers.includes(customer);
    case 'customer_user':
      return user.customers.includes(customer);
    default:
      return false;
  }
}

function oracleUntagged(settings: Settings, allowed: Set<string>): boolean {
  if (settings.behavior === 'VISIBLE_TO_ALL') return true;
  if (settings.behavior === 'ADMIN_ONLY') return false;
  return settings.defaultTag !== null && allowed.has(settings.defaultTag);
}

function oracleAlert(user: UserFixture, roleTags: string[], settings: Settings, alert: AlertFixture): boolean {
  if (!oracleCustomerOk(user, alert.customer)) return false;
  if (!settings.enabled || user.role !== 'analyst') return true;
  const allowed = new Set([...user.tags, ...roleTags]);
  if (alert.tags.length === 0) return oracleUntagged(settings, allowed);
  return alert.tags.some((t) => allowed.has(t));
}

function oracleCase(user: UserFixture, roleTags: string[], settings: Settings, c: CaseFixture): boolean {
  if (!oracleCustomerOk(user, c.customer)) return false;
  if (!settings.enabled || user.role !== 'analyst') return true;
  if (c.alerts.length === 0) return oracleUntagged(settings, new Set([...user.tags, ...roleTags]));
  return c.alerts.some((a) => oracleAlert(user, roleTags, settings, a));
}

// ---------------------------------------------------------------- fixtures

let graph: Graph;
let tagIds: Record<string, string>;
const alerts: AlertFixture[] = [];
const cases: CaseFixture[] = [];
const users: UserFixture[] = [];

beforeAll(async () => {
  graph = await startGraph();
  await createCustomers(graph, CUSTOMERS);
  tagIds = await createTags(graph, TAGS);
  for (const customer of CUSTOMERS) {
    const own: AlertFixture[] = [];
    for (const [i, tags] of ALERT_TAGS.entries()) {
      const id = await createAlert(graph, {
        name: `${customer} alert ${i}`,
        customerCode: customer,
        tagIds: tags.map((t) => tagIds[t]!),
      });
      own.push({ id, customer, tags });
    }
    alerts.push(...own);
    for (const [i, indexes] of CASE_ALERTS.entries()) {
      const linked = indexes.map((n) => own[n]!);
      const data = await graph.admin<{ createCase: { id: string } }>(
        `mutation ($input: CreateCaseInput!) { createCase(input: $input) { id } }`,
        { input: { name: `${customer} case ${i}`, customerCode: customer, alertIds: linked.map((a) => a.id) } },
      );
      cases.push({ id: data.createCase.id, customer, alerts: linked });
    }
  }
  let n = 0;
  for (const role of ROLES) {
    for (const tags of USER_TAGS) {
      for (const customers of USER_CUSTOMERS) {
        const username = `${role}_${n++}`;
        const created = await createUser(graph, {
          username,
          role,
          customerCodes: customers,
          tagIds: tags.map((t) => tagIds[t]!),
        });
        users.push({ ...created, username, role, customers, tags });
      }
    }
  }
});
afterAll(async () => graph?.stack.stop());

const SETTINGS: Settings[] = [
  { label: 'RBAC off', enabled: false, behavior: 'VISIBLE_TO_ALL', defaultTag: null },
  { label: 'VISIBLE_TO_ALL', enabled: true, behavior: 'VISIBLE_TO_ALL', defaultTag: null },
  { label: 'ADMIN_ONLY', enabled: true, behavior: 'ADMIN_ONLY', defaultTag: null },
  { label: 'DEFAULT_TAG T1', enabled: true, behavior: 'DEFAULT_TAG', defaultTag: 'T1' },
];

/**
 * The lists with their counts in one operation, then every alert and case by id in operations
 * of at most ten aliased fields each (the gateway's query limits refuse larger alias floods).
 */
function cellQueries(): string[] {
  const fields = [
    ...alerts.map((a, i) => `a${i}: alert(id: "${a.id}") { id }`),
    ...cases.map((c, i) => `c${i}: case(id: "${c.id}") { id alerts { id } }`),
  ];
  const queries = [
    `{ alerts(first: 100) { totalCount edges { node { id } } } cases(first: 100) { totalCount edges { node { id alerts { id } } } } }`,
  ];
  for (let i = 0; i < fields.length; i += 10) queries.push(`{ ${fields.slice(i, i + 10).join('\n')} }`);
  return queries;
}

const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Alert { id } ... on Case { id } } }`;

type CellData = {
  alerts: { totalCount: number; edges: { node: { id: string } }[] };
  cases: { totalCount: number; edges: { node: { id: string; alerts: { id: string }[] } }[] };
} & Record<string, { id: string; alerts?: { id: string }[] } | null>;

const sorted = (ids: string[]) => [...ids].sort((a, b) => Number(a) - Number(b));

async function checkCell(user: UserFixture, roleTags: string[], settings: Settings): Promise<void> {
  const label = `${settings.label} / ${user.role} tags=[${user.tags}] role tags=[${roleTags}] customers=[${user.customers}]`;
  const expectedAlerts = alerts.filter((a) => oracleAlert(user, roleTags, settings, a)).map((a) => a.id);
  const expectedCases = cases.filter((c) => oracleCase(user, roleTags, settings, c));

  // Through the gateway with the user's own token: lists, counts, single fetches, nested lists.
  const data = {} as CellData;
  for (const query of cellQueries()) {
    const result = await graph.as<CellData>(user.token, query);
    expect({ label, errors: result.body.errors }).toEqual({ label, errors: undefined });
    Object.assign(data, result.body.data);
  }
  expect({ label, alerts: sorted(data.alerts.edges.map((e) => e.node.id)) }).toEqual({
    label,
    alerts: sorted(expectedAlerts),
  });
  expect({ label, total: data.alerts.totalCount }).toEqual({ label, total: expectedAlerts.length });
  alerts.forEach((a, i) => {
    expect({ label, alert: a.id, seen: data[`a${i}`]?.id ?? null }).toEqual({
      label,
      alert: a.id,
      seen: expectedAlerts.includes(a.id) ? a.id : null,
    });
  });
  expect({ label, cases: sorted(data.cases.edges.map((e) => e.node.id)) }).toEqual({
    label,
    cases: sorted(expectedCases.map((c) => c.id)),
  });
  expect({ label, total: data.cases.totalCount }).toEqual({ label, total: expectedCases.length });
  cases.forEach((c, i) => {
    const visible = expectedCases.includes(c);
    const expected = visible
      ? { id: c.id, alerts: sorted(c.alerts.filter((a) => expectedAlerts.includes(a.id)).map((a) => a.id)) }
      : null;
    const seen = data[`c${i}`];
    expect({
      label,
      case: c.id,
      seen: seen ? { id: seen.id, alerts: sorted((seen.alerts ?? []).map((a) => a.id)) } : null,
    }).toEqual({
      label,
      case: c.id,
      seen: expected,
    });
  });

  // Entity references straight to the subgraph, with the principal the gateway would sign.
  const principal: Principal = {
    kind: 'user',
    userId: user.id,
    username: user.username,
    role: user.role,
    customerCodes: user.customers,
    tagIds: [...new Set([...user.tags, ...roleTags])].map((t) => tagIds[t]!),
    sessionId: null,
    apiKeyId: null,
    clientName: null,
    persistedOnly: false,
    tagAccess: toTagAccess(settings),
  };
  const refs = await graph.subgraph<{ _entities: ({ id: string } | null)[] }>(principal, ENTITIES, {
    r: [
      ...alerts.map((a) => ({ __typename: 'Alert', id: a.id })),
      ...cases.map((c) => ({ __typename: 'Case', id: c.id })),
    ],
  });
  const expectedRefs = [
    ...alerts.map((a) => (expectedAlerts.includes(a.id) ? { id: a.id } : null)),
    ...cases.map((c) => (expectedCases.includes(c) ? { id: c.id } : null)),
  ];
  expect({ label, refs: refs.body.data?._entities }).toEqual({ label, refs: expectedRefs });
}

function toTagAccess(settings: Settings): TagAccessSettings {
  if (!settings.enabled) return TAG_RBAC_OFF;
  return {
    enabled: true,
    untaggedAlertBehavior: settings.behavior,
    defaultTagId: settings.defaultTag ? tagIds[settings.defaultTag]! : null,
  };
}

describe('tag RBAC and customer scoping matrix', () => {
  it.each(SETTINGS)('every role, tag set and customer set: $label', async (settings) => {
    await setTagAccess(graph, {
      enabled: settings.enabled,
      untaggedAlertBehavior: settings.behavior,
      defaultTagId: settings.defaultTag ? tagIds[settings.defaultTag] : null,
    });
    for (const user of users) await checkCell(user, [], settings);
  });

  it.each(SETTINGS)('analysts with role tags on top of their own: $label', async (settings) => {
    await graph.admin(`mutation ($t: [ID!]!) { setRoleTagAccess(role: "analyst", tagIds: $t) { name } }`, {
      t: [tagIds.T4],
    });
    await setTagAccess(graph, {
      enabled: settings.enabled,
      untaggedAlertBehavior: settings.behavior,
      defaultTagId: settings.defaultTag ? tagIds[settings.defaultTag] : null,
    });
    try {
      for (const user of users.filter((u) => u.role === 'analyst')) {
        // A fresh session, so the gateway resolves the new role tags now rather than after its cache window.
        const fresh = { ...user, token: await graph.stack.login(user.username, 'user password 1') };
        await checkCell(fresh, ['T4'], settings);
      }
    } finally {
      await graph.admin(`mutation { setRoleTagAccess(role: "analyst", tagIds: []) { name } }`);
    }
  });
});

describe('pagination under RBAC', () => {
  it('walks all pages with first: 3 and sees exactly the visible set once, in order', async () => {
    const settings = SETTINGS[1]!;
    await setTagAccess(graph, { enabled: true, untaggedAlertBehavior: 'VISIBLE_TO_ALL' });
    const user = users.find((u) => u.role === 'analyst' && u.tags.length === 1 && u.customers.length === 0)!;
    const expected = alerts
      .filter((a) => oracleAlert(user, [], settings, a))
      .map((a) => a.id)
      .sort((a, b) => Number(b) - Number(a));
    expect(expected.length).toBeGreaterThan(6);
    const seen: string[] = [];
    let after: string | null = null;
    type Page = {
      alerts: {
        totalCount: number;
        edges: { node: { id: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
    for (let page = 0; page < 50; page++) {
      const result: GraphQLResponse<Page> = await graph.as<Page>(
        user.token,
        `query ($after: String) { alerts(first: 3, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
        {
          after,
        },
      );
      const connection = result.body.data!.alerts;
      expect(connection.totalCount).toBe(expected.length);
      expect(connection.edges.length).toBeLessThanOrEqual(3);
      seen.push(...connection.edges.map((e) => e.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
  });
});
