import { createHash } from 'node:crypto';
import type { SeedDb } from './db';
import { DAY_MS, pad, type SeedWorld, WINDOW_MS } from './plan';
import type { Rand } from './prng';

/**
 * incidents' share: the tag catalogue with tag RBAC on (untagged alerts visible to all), alerts
 * (about half tagged, each with one or two IoCs, an asset and zero to three comments), the IoC
 * pool, and cases linking one to three alerts of their customer with a comment each.
 */
const T = {
  tag: 'incidents.incident_management_alerttag',
  settings: 'incidents.incident_management_tag_access_settings',
  alert: 'incidents.incident_management_alert',
  alertTag: 'incidents.incident_management_alert_to_tag',
  ioc: 'incidents.incident_management_ioc',
  alertIoc: 'incidents.incident_management_alert_to_ioc',
  asset: 'incidents.incident_management_asset',
  comment: 'incidents.incident_management_comment',
  case: 'incidents.incident_management_case',
  caseAlert: 'incidents.incident_management_casealertlink',
  caseComment: 'incidents.incident_management_case_comment',
} as const;

const TAG_NAMES = ['network', 'endpoint', 'phishing', 'malware', 'cloud', 'identity', 'ransomware', 'insider'];
const SOURCES = ['wazuh', 'sigma', 'office365', 'crowdstrike', 'velociraptor', 'suricata'];
const TITLES = [
  'Suspicious PowerShell execution',
  'Brute force login attempts',
  'Outbound connection to known C2',
  'Malicious attachment opened',
  'Privilege escalation detected',
  'Unusual data transfer volume',
  'New service installed',
  'Impossible travel sign-in',
  'Ransomware file activity',
  'DNS tunnelling pattern',
];
const SEVERITIES = ['Informational', 'Low', 'Medium', 'Medium', 'High', 'High', 'Critical'];
const REASONS = ['EXPECTED_ACTIVITY', 'KNOWN_APPLICATION', 'AUTHORIZED_USER', 'RULE_TOO_SENSITIVE', 'OTHER'];
const IOC_TYPES = ['ip', 'domain', 'hash', 'url', 'email'];
const COMMENTS = ['Looking into it.', 'Confirmed with the customer.', 'Escalating to tier 2.', 'False alarm, closing.'];

const iso = (ms: number): string => new Date(ms).toISOString();

/** IoC n's value: unique per type by construction (the (value, type) unique key). */
function iocValue(type: string, n: number): string {
  switch (type) {
    case 'ip':
      return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    case 'domain':
      return `c2-${n}.example.net`;
    case 'hash':
      return createHash('sha256').update(`ioc-${n}`).digest('hex');
    case 'url':
      return `http://mal-${n}.example.com/payload`;
    default:
      return `phish${n}@example.org`;
  }
}

export async function seedIncidents(db: SeedDb, world: SeedWorld, rand: Rand): Promise<void> {
  const { plan, anchor } = world;
  const start = anchor - WINDOW_MS;
  const staff = world.analysts.map((u) => u.username);

  await db.insert(
    T.tag,
    [
      ['id', 'int'],
      ['tag', 'text'],
    ],
    world.tagIds.length,
    (i) => [world.tagIds[i], i < TAG_NAMES.length ? TAG_NAMES[i] : `tag-${pad(i + 1)}`],
  );
  await db.syncSequence(T.tag);
  await db.timed(
    T.settings,
    `INSERT INTO ${T.settings} (id, enabled, untagged_alert_behavior, updated_at, updated_by)
     VALUES (1, true, 'VISIBLE_TO_ALL', $1, 'seed')
     ON CONFLICT (singleton) DO UPDATE SET enabled = true, untagged_alert_behavior = 'VISIBLE_TO_ALL',
       default_tag_id = NULL, updated_at = EXCLUDED.updated_at, updated_by = 'seed'`,
    [iso(anchor)],
  );
  await db.syncSequence(T.settings);

  // ----- alerts -----
  const alertCustomer: string[] = new Array<string>(plan.alerts);
  const alertTime: number[] = new Array<number>(plan.alerts);
  await db.insert(
    T.alert,
    [
      ['id', 'int'],
      ['alert_name', 'text'],
      ['alert_description', 'text'],
      ['status', 'text'],
      ['alert_creation_time', 'timestamptz'],
      ['customer_code', 'text'],
      ['source', 'text'],
      ['assigned_to', 'text'],
      ['escalated', 'bool'],
      ['severity', 'text'],
      ['time_closed', 'timestamptz'],
      ['verdict', 'text'],
      ['verdict_reason', 'text'],
      ['verdict_by', 'text'],
      ['verdict_at', 'timestamptz'],
    ],
    plan.alerts,
    (i) => {
      const customer = rand.pick(world.customerCodes);
      const created = start + rand.int(0, WINDOW_MS - DAY_MS);
      alertCustomer[i] = customer;
      alertTime[i] = created;
      const roll = rand.float();
      const status = roll < 0.5 ? 'OPEN' : roll < 0.7 ? 'IN_PROGRESS' : 'CLOSED';
      const closed = status === 'CLOSED' ? created + rand.int(60_000, DAY_MS) : null;
      const verdict = closed === null ? null : rand.chance(0.6) ? 'FALSE_POSITIVE' : 'TRUE_POSITIVE';
      const assignee = status === 'OPEN' && rand.chance(0.5) ? null : rand.pick(staff);
      const title = rand.pick(TITLES);
      return [
        i + 1,
        `${title} on host-${customer.toLowerCase()}-${rand.int(1, 500)}`,
        `${title}: raised by ${rand.pick(SOURCES)} rule ${rand.int(1000, 99999)}`,
        status,
        iso(created),
        customer,
        rand.pick(SOURCES),
        assignee,
        rand.chance(0.05),
        rand.pick(SEVERITIES),
        closed === null ? null : iso(closed),
        verdict,
        verdict === 'FALSE_POSITIVE' ? rand.pick(REASONS) : null,
        verdict === null ? null : (assignee ?? rand.pick(staff)),
        closed === null ? null : iso(closed),
      ];
    },
  );
  await db.syncSequence(T.alert);

  // About half the alerts carry tags: one, or two (distinct).
  const alertTags: [number, number][] = [];
  for (let a = 1; a <= plan.alerts; a++) {
    if (!rand.chance(0.5)) continue;
    for (const tag of rand.pickDistinct(world.tagIds, rand.chance(0.7) ? 1 : 2)) alertTags.push([a, tag]);
  }
  await db.insert(
    T.alertTag,
    [
      ['alert_id', 'int'],
      ['tag_id', 'int'],
    ],
    alertTags.length,
    (i) => alertTags[i]!,
  );

  await db.insert(
    T.ioc,
    [
      ['id', 'int'],
      ['value', 'text'],
      ['type', 'text'],
      ['description', 'text'],
    ],
    plan.iocs,
    (i) => {
      const type = IOC_TYPES[i % IOC_TYPES.length]!;
      return [i + 1, iocValue(type, i + 1), type, `Seeded ${type} indicator`];
    },
  );
  await db.syncSequence(T.ioc);
  const alertIocs: [number, number][] = [];
  for (let a = 1; a <= plan.alerts; a++) {
    const first = rand.int(1, plan.iocs);
    alertIocs.push([a, first]);
    if (rand.chance(0.3)) {
      const second = rand.int(1, plan.iocs);
      if (second !== first) alertIocs.push([a, second]);
    }
  }
  await db.insert(
    T.alertIoc,
    [
      ['alert_id', 'int'],
      ['ioc_id', 'int'],
    ],
    alertIocs.length,
    (i) => alertIocs[i]!,
  );

  await db.insert(
    T.asset,
    [
      ['id', 'int'],
      ['alert_linked', 'int'],
      ['asset_name', 'text'],
      ['agent_id', 'text'],
      ['customer_code', 'text'],
      ['index_name', 'text'],
      ['index_id', 'text'],
    ],
    plan.alerts,
    (i) => {
      const customer = alertCustomer[i]!;
      const host = rand.int(1, 500);
      return [
        i + 1,
        i + 1,
        `host-${customer.toLowerCase()}-${host}`,
        `ep-${customer.toLowerCase()}-${pad(host)}`,
        customer,
        `wazuh-alerts-4.x-${customer.toLowerCase()}`,
        rand.hex(20),
      ];
    },
  );
  await db.syncSequence(T.asset);

  const comments: [number, string, string, number][] = [];
  for (let a = 1; a <= plan.alerts; a++) {
    const n = rand.int(0, 3);
    for (let k = 0; k < n; k++) {
      comments.push([a, rand.pick(COMMENTS), rand.pick(staff), alertTime[a - 1]! + rand.int(60_000, DAY_MS)]);
    }
  }
  await db.insert(
    T.comment,
    [
      ['id', 'int'],
      ['alert_id', 'int'],
      ['comment', 'text'],
      ['user_name', 'text'],
      ['created_at', 'timestamptz'],
    ],
    comments.length,
    (i) => {
      const [alert, text, user, at] = comments[i]!;
      return [i + 1, alert, text, user, iso(at)];
    },
  );
  await db.syncSequence(T.comment);

  // ----- cases: one to three alerts of the case's customer -----
  const alertsByCustomer = new Map<string, number[]>();
  alertCustomer.forEach((c, i) => {
    const list = alertsByCustomer.get(c) ?? [];
    list.push(i + 1);
    alertsByCustomer.set(c, list);
  });
  const caseCustomers = [...alertsByCustomer.keys()].sort();
  const links: [number, number][] = [];
  const caseTime: number[] = [];
  await db.insert(
    T.case,
    [
      ['id', 'int'],
      ['case_name', 'text'],
      ['case_description', 'text'],
      ['case_creation_time', 'timestamptz'],
      ['case_status', 'text'],
      ['case_closed_time', 'timestamptz'],
      ['assigned_to', 'text'],
      ['customer_code', 'text'],
      ['escalated', 'bool'],
    ],
    plan.cases,
    (i) => {
      const customer = rand.pick(caseCustomers);
      const candidates = alertsByCustomer.get(customer)!;
      const linked = rand.pickDistinct(candidates, rand.int(1, 3));
      for (const alert of linked) links.push([i + 1, alert]);
      const created = Math.max(...linked.map((a) => alertTime[a - 1]!)) + rand.int(60_000, DAY_MS);
      caseTime.push(created);
      const roll = rand.float();
      const status = roll < 0.4 ? 'OPEN' : roll < 0.7 ? 'IN_PROGRESS' : 'CLOSED';
      return [
        i + 1,
        `Case ${pad(i + 1, 6)}: ${rand.pick(TITLES)}`,
        `Investigation of ${linked.length} alert(s) for ${customer}`,
        iso(created),
        status,
        status === 'CLOSED' ? iso(created + rand.int(3_600_000, 7 * DAY_MS)) : null,
        rand.chance(0.8) ? rand.pick(staff) : null,
        customer,
        rand.chance(0.1),
      ];
    },
  );
  await db.syncSequence(T.case);
  await db.insert(
    T.caseAlert,
    [
      ['case_id', 'int'],
      ['alert_id', 'int'],
    ],
    links.length,
    (i) => links[i]!,
  );
  await db.insert(
    T.caseComment,
    [
      ['id', 'int'],
      ['case_id', 'int'],
      ['comment', 'text'],
      ['user_name', 'text'],
      ['created_at', 'timestamptz'],
    ],
    plan.cases,
    (i) => [i + 1, i + 1, rand.pick(COMMENTS), rand.pick(staff), iso(caseTime[i]! + rand.int(60_000, DAY_MS))],
  );
  await db.syncSequence(T.caseComment);
}
