/**
 * How many rows `--scale N` writes. Scale 1 is 1,000 alerts, 200 cases, 10,000 audit entries,
 * 5 cameras with 10,000 detections, 1,000 agent executions, 500 background jobs, 20 partner API
 * keys and 50 credit purchases; every count grows linearly with
 * the scale, except the small catalogues (tags, marketplace agents), which grow with its square
 * root so that a scale-100 tag list is still one a person could pick from. Fractional scales are
 * for tests. Each count has a floor so that even a tiny scale exercises every rule (tag RBAC
 * needs several tags, customer scoping several customers).
 */
export interface SeedPlan {
  scale: number;
  customers: number;
  /** Analysts (tag and customer access), customer users, plus one admin and one auditor. */
  analysts: number;
  customerUsers: number;
  tags: number;
  alerts: number;
  iocs: number;
  cases: number;
  cameras: number;
  detections: number;
  /** Detections per surveillance event. */
  detectionsPerEvent: number;
  marketplaceAgents: number;
  executions: number;
  endpointAgents: number;
  /** Finished jobs of the job queue (metric rollups and index snapshots), with their history. */
  jobs: number;
  /** Index snapshot schedules (agents' scheduled jobs besides the metrics rollup). */
  snapshotSchedules: number;
  /** Partner API keys of analysts and customer users. */
  apiKeys: number;
  /** Credit purchases (checkout sessions; most paid, a payment and a top-up each). */
  checkouts: number;
  auditEntries: number;
  authEvents: number;
  accessLog: number;
}

const at = (base: number, scale: number, floor: number): number => Math.max(floor, Math.round(base * scale));

export function planFor(scale: number): SeedPlan {
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1000) throw new Error('scale must be > 0 and at most 1000');
  const root = Math.sqrt(scale);
  const alerts = at(1000, scale, 20);
  return {
    scale,
    customers: at(5, scale, 3),
    analysts: at(10, scale, 3),
    customerUsers: at(5, scale, 2),
    tags: Math.max(6, Math.round(20 * root)),
    alerts,
    iocs: Math.ceil(alerts * 0.6),
    cases: at(200, scale, 5),
    cameras: at(5, scale, 2),
    detections: at(10_000, scale, 100),
    detectionsPerEvent: 20,
    marketplaceAgents: Math.max(3, Math.round(10 * root)),
    executions: at(1000, scale, 20),
    endpointAgents: at(50, scale, 4),
    jobs: at(500, scale, 10),
    snapshotSchedules: at(5, scale, 2),
    apiKeys: at(20, scale, 3),
    checkouts: at(50, scale, 5),
    auditEntries: at(10_000, scale, 100),
    authEvents: at(1000, scale, 20),
    accessLog: at(1000, scale, 20),
  };
}

/** The people and catalogues every module refers to, fixed before any table is written. */
export interface SeedWorld {
  plan: SeedPlan;
  /** Where time stands for the seed: every timestamp lies in the 90 days before it. */
  anchor: number;
  customerCodes: string[];
  tagIds: number[];
  users: SeedUser[];
  analysts: SeedUser[];
  customerUsers: SeedUser[];
}

export interface SeedUser {
  id: number;
  username: string;
  role: 'admin' | 'auditor' | 'analyst' | 'customer_user';
  customerCodes: string[];
  tagIds: number[];
}

export const DAY_MS = 86_400_000;
/** The window every seeded timestamp falls in, before the anchor. */
export const WINDOW_MS = 90 * DAY_MS;

export const pad = (n: number, width = 4): string => String(n).padStart(width, '0');
