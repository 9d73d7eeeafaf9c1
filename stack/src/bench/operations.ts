/**
 * The named dashboard operations `pnpm bench` drives, each as a SOC dashboard sends it. Every
 * response is checked: a 200 with `data` and no `errors`, or it counts as an error.
 */

/** Whose credentials run an operation (bench users, see seed.ts; the partner uses an API key). */
export type BenchRole = 'admin' | 'analyst' | 'auditor' | 'partner';

export interface BenchOperation {
  /** Short name used in the report (`alert-queue`). */
  name: string;
  /** What it stands for on a dashboard. */
  title: string;
  query: string;
  variables: Record<string, unknown>;
  as: BenchRole;
  /** The one subgraph that answers it alone: then it is also measured straight against that subgraph. */
  subgraph?: string;
  /** Through our gateway: sent as this persisted operation of the manifest (id only, no text). */
  persistedId?: string;
  /** Left out of `--quick`. */
  slow?: boolean;
  /** Through our gateway only (the write paths). */
  oursOnly?: boolean;
  /** `[<id>]` in the body is replaced per request (autocannon's idReplacement), so each write is its own. */
  uniquePerRequest?: boolean;
  /** Detections per request, for a detections/s figure. */
  detections?: number;
}

/** What the operations refer to, known once the data is seeded. */
export interface BenchIds {
  caseId: string;
  /** An alert the write scenario comments on. */
  commentAlertId: string;
  /** The manifest operation `Alerts` (gateway/persisted-queries.json): id and text. */
  persistedAlerts: { id: string; body: string };
}

/** A batch of `n` detections for the bench's first camera; `[<id>]` makes each request its own batch. */
function ingestVariables(n: number): Record<string, unknown> {
  return {
    input: {
      cameraId: 'bench_cam_1',
      batchId: 'bench-[<id>]',
      detections: Array.from({ length: n }, (_, i) => ({
        objectType: ['person', 'car', 'dog'][i % 3],
        confidence: 0.5 + (i % 50) / 100,
        bbox: { x: (i % 10) / 20, y: (i % 7) / 20, width: 0.2, height: 0.3 },
        detectedAt: new Date(Date.UTC(2026, 5, 1, 12, 0, i % 60)).toISOString(),
        filePath: `/bench/${i}.jpg`,
        ...(i % 5 === 0 ? { pose: { poseClass: 'standing', confidence: 0.8 } } : {}),
      })),
    },
  };
}

const INGEST = `mutation BenchIngest($input: IngestDetectionsInput!) {
  ingestDetections(input: $input) { event { id riskScore } alertsCreated { id } suppressed }
}`;

/** Midnight UTC `days` ago, for the leaderboard's metric range. */
const daysAgo = (days: number): string => {
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString();
};

export function benchOperations(ids: BenchIds): BenchOperation[] {
  return [
    {
      name: 'alert-queue',
      title: '50 alerts with tags, IoCs, assets, assignee, customer (analyst, tag RBAC)',
      as: 'analyst',
      query: `query BenchAlertQueue($first: Int!) {
  alerts(first: $first) {
    totalCount
    edges { node {
      id name severity status createdAt
      tags { id name }
      iocs { value type }
      assets { name agentId }
      assignee { username email }
      customer { code name }
    } }
  }
}`,
      variables: { first: 50 },
    },
    {
      name: 'case-view',
      title: 'a case with its alerts, comments and their authors, assignee, customer',
      as: 'analyst',
      query: `query BenchCase($id: ID!) {
  case(id: $id) {
    id name status createdAt
    assignee { username }
    customer { code name }
    alerts { id name severity status tags { name } }
    comments { comment userName createdAt author { username } }
  }
}`,
      variables: { id: ids.caseId },
    },
    {
      name: 'me',
      title: 'me with role and customers (identity only)',
      as: 'analyst',
      subgraph: 'identity',
      query: `query BenchMe { me { id username email role { name } customers { code name } } }`,
      variables: {},
    },
    {
      name: 'alerts-list',
      title: '50 alerts with tags and IoCs (incidents only; analyst, tag RBAC)',
      as: 'analyst',
      subgraph: 'incidents',
      query: `query BenchAlerts($first: Int!) {
  alerts(first: $first) {
    totalCount
    edges { node { id name severity status customerCode assignedTo tags { id name } iocs { value } } }
  }
}`,
      variables: { first: 50 },
    },
    {
      name: 'audit-search',
      title: '50 audit-trail entries on alerts (auditor; audit only)',
      as: 'auditor',
      subgraph: 'audit',
      query: `query BenchAuditSearch($first: Int!) {
  auditLog(first: $first, filter: { resourceType: "Alert" }) {
    totalCount
    edges { node { id seq createdAt actor action resourceType resourceId status requestId } }
  }
}`,
      variables: { first: 50 },
    },
    {
      name: 'partner-persisted',
      title: 'the manifest operation Alerts by id with a partner API key (persisted-only key)',
      as: 'partner',
      subgraph: 'incidents',
      query: ids.persistedAlerts.body,
      variables: { first: 50 },
      persistedId: ids.persistedAlerts.id,
    },
    {
      name: 'camera-wall',
      title: '50 surveillance cameras with customer, tags and zones (analyst)',
      as: 'analyst',
      query: `query BenchCameraWall($first: Int!) {
  cameras(first: $first) {
    totalCount
    edges { node { id name status location lastSeenAt customer { name } tags { id name } zones { id name zoneType } } }
  }
}`,
      variables: { first: 50 },
    },
    {
      name: 'agent-leaderboard',
      title: '20 marketplace agents with 30 days of daily metrics (agents only)',
      as: 'analyst',
      subgraph: 'agents',
      query: `query BenchLeaderboard($first: Int!, $from: DateTime!, $to: DateTime!) {
  agents(first: $first) {
    totalCount
    edges { node {
      id name type totalExecutions totalUsers avgRating lastExecutedAt
      metrics(period: DAILY, from: $from, to: $to) { bucketStart totalExecutions successfulExecutions avgDurationMs }
    } }
  }
}`,
      variables: { first: 20, from: daysAgo(30), to: daysAgo(-1) },
    },
    {
      // The write path: the comment, its audit entry in the outbox, the relay, audit's chain append.
      name: 'comment',
      title: 'addAlertComment (admin): the row, its audit entry, the relay to audit',
      as: 'admin',
      query: `mutation BenchComment($id: ID!) { addAlertComment(alertId: $id, comment: "bench [<id>]") { id } }`,
      variables: { id: ids.commentAlertId },
      slow: true,
      oursOnly: true,
      uniquePerRequest: true,
    },
    ...[1, 50].map((n): BenchOperation => ({
      name: `ingest-${n}`,
      title: `ingestDetections with ${n} detection${n > 1 ? 's' : ''} per request on one camera (admin; the worst case: one baseline slot)`,
      as: 'admin',
      query: INGEST,
      variables: ingestVariables(n),
      slow: true,
      oursOnly: true,
      uniquePerRequest: true,
      detections: n,
    })),
  ];
}

/** Whether a response body is a clean answer: `data` present and not null, no `errors`. */
export function cleanAnswer(body: string): boolean {
  return body.startsWith('{"data":{') && !body.includes('"errors":[');
}
