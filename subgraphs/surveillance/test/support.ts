import { randomUUID } from 'node:crypto';
import { surveillanceMigrations } from '@socgraph/migrations/surveillance';
import type { Principal, TagAccessSettings } from '@socgraph/shared';
import { ADMIN, ok, startTestSubgraph, testPrincipal, type TestSubgraph } from '@socgraph/testkit';
import { surveillanceSubgraph } from '../src';

/**
 * The surveillance subgraph's test harness: the subgraph alone, called with signed principals.
 * (Tests that need incidents, identity or the gateway live in stack/test/surveillance/.)
 */
export { ADMIN, countStatements, errorCodes, errorFields, ok, SERVICE } from '@socgraph/testkit';

export const RBAC_ON: TagAccessSettings = {
  enabled: true,
  untaggedAlertBehavior: 'VISIBLE_TO_ALL',
  defaultTagId: null,
};

/** An analyst holding tag 1 only, under tag RBAC. */
export const ANALYST_TAG1 = testPrincipal({
  userId: '2',
  username: 'analyst.t1',
  role: 'analyst',
  tagIds: ['1'],
  tagAccess: RBAC_ON,
});
export const CUSTOMER_USER = testPrincipal({
  userId: '4',
  username: 'customer.c1',
  role: 'customer_user',
  customerCodes: ['C1'],
});
export const AUDITOR = testPrincipal({ userId: '5', username: 'auditor', role: 'auditor' });

export function startSurveillance(env: NodeJS.ProcessEnv = {}): Promise<TestSubgraph> {
  return startTestSubgraph(surveillanceSubgraph, surveillanceMigrations, env);
}

export async function sql<R = Record<string, unknown>>(subgraph: TestSubgraph, text: string, params: unknown[] = []) {
  return (await subgraph.dataSource.query(text, params)) as R[];
}

export const CREATE_CAMERA = `mutation ($input: CreateCameraInput!) { createCamera(input: $input) { id name customerCode } }`;

export async function createCamera(
  subgraph: TestSubgraph,
  name: string,
  customerCode = 'C1',
  tagIds: string[] = [],
): Promise<string> {
  const data = await ok<{ createCamera: { id: string } }>(subgraph, CREATE_CAMERA, {
    input: { name, folderPath: `/srv/${name}`, customerCode, tagIds },
  });
  return data.createCamera.id;
}

export const INGEST = `mutation ($input: IngestDetectionsInput!) {
  ingestDetections(input: $input) {
    event { id riskScore riskLevel }
    alertsCreated { id dedupKey severity status version }
    suppressed
  }
}`;

export interface IngestData {
  ingestDetections: {
    event: { id: string; riskScore: number; riskLevel: string };
    alertsCreated: { id: string; dedupKey: string; severity: string; status: string; version: number }[];
    suppressed: number;
  };
}

export function detection(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    objectType: 'person',
    confidence: 0.9,
    bbox: { x: 0.4, y: 0.4, width: 0.2, height: 0.2 },
    detectedAt: '2026-06-01T12:00:00.000Z',
    filePath: '/srv/frame.jpg',
    ...overrides,
  };
}

export function ingest(
  subgraph: TestSubgraph,
  cameraId: string,
  detections: Record<string, unknown>[],
  batchId: string = randomUUID(),
  principal: Principal = ADMIN,
): Promise<IngestData> {
  return ok<IngestData>(subgraph, INGEST, { input: { cameraId, batchId, detections } }, principal);
}

export const CREATE_RULE = `mutation ($input: AlertRuleInput!) { createAlertRule(input: $input) { id name cameraIds zoneIds schedule } }`;

export async function createRule(subgraph: TestSubgraph, input: Record<string, unknown>): Promise<string> {
  const data = await ok<{ createAlertRule: { id: string } }>(subgraph, CREATE_RULE, { input });
  return data.createAlertRule.id;
}
