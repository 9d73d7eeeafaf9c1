import { Script } from 'node:vm';
import {
  getIntrospectionQuery,
  buildClientSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  type IntrospectionQuery,
} from 'graphql';
import { EXPLORER_CSP, MemoryAuditSink, SANDBOX_UNAVAILABLE, type RunningGateway } from '@socgraph/gateway';
import { startTestStack, type TestStack } from '../src/testing';
import { errorCodes, postJson } from './support';

/** What analysts get: Sandbox, or the offline explorer; introspection by kind of caller. */
let graph: TestStack;
let admin: Record<string, string>;
let apiKey: Record<string, string>;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  graph = await startTestStack();
  await graph.seedAdmin(PASSWORD);
  admin = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
  const created = await graph.gql<{ createApiKey: { secret: string } }>(
    `mutation { createApiKey(input: { clientName: "siem", persistedOnly: false }) { secret } }`,
    {},
    admin,
  );
  apiKey = { 'x-api-key': created.body.data!.createApiKey.secret };
});
afterAll(async () => graph?.stop());

function gatewayWith(env: Record<string, string>, auditSink = new MemoryAuditSink()): Promise<RunningGateway> {
  return graph.startGateway({ ...env }, { defaultMetrics: false, auditSink });
}

const EXTERNAL_URL = /https?:\/\/|(?:src|href)\s*=\s*["']?\/\//i;

describe('the offline explorer (LANDING_PAGE=offline)', () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await gatewayWith({ LANDING_PAGE: 'offline' });
  });
  afterAll(async () => gateway?.stop());

  it('is served at GET / with no external URL and a strict CSP', async () => {
    const response = await fetch(`${gateway.url}/`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(EXPLORER_CSP);
    const html = await response.text();
    expect(html).toMatch(/id="sg-token"/);
    expect(html).not.toMatch(EXTERNAL_URL);
    expect(html).not.toMatch(/sandbox|apollographql\.com/i);
  });

  it('serves every file it loads itself; its styles import nothing from outside', async () => {
    const html = await (await fetch(`${gateway.url}/`, { headers: { accept: 'text/html' } })).text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)]
      .map((m) => m[1] ?? '')
      .filter((url) => !url.startsWith('data:'));
    expect(assets).toHaveLength(6);
    for (const asset of assets) {
      expect(asset.startsWith('/explorer/')).toBe(true);
      const response = await fetch(`${gateway.url}${asset}`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text.length).toBeGreaterThan(100);
      if (asset.endsWith('.css')) expect(text).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//);
      // A script that would not even parse fails here too, not only in the browser tests.
      if (asset.endsWith('.js')) expect(() => new Script(text)).not.toThrow();
    }
  });
});

describe('the explorer at /explorer, whatever the landing page', () => {
  const html = { accept: 'text/html' };

  it.each(['sandbox', 'offline'])('is served with LANDING_PAGE=%s, with its strict CSP', async (mode) => {
    const gateway = await gatewayWith({ LANDING_PAGE: mode });
    try {
      for (const path of ['/explorer', '/explorer/']) {
        const page = await fetch(`${gateway.url}${path}`, { headers: html });
        expect(page.status).toBe(200);
        expect(page.headers.get('content-security-policy')).toBe(EXPLORER_CSP);
        const text = await page.text();
        expect(text).toMatch(/id="sg-token"/);
        expect(text).not.toMatch(EXTERNAL_URL);
      }
      const script = await fetch(`${gateway.url}/explorer/graphiql.js`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-security-policy')).toBe(EXPLORER_CSP);
    } finally {
      await gateway.stop();
    }
  });

  it.each<Record<string, string>>([{ LANDING_PAGE: 'off' }, { INTROSPECTION: 'false' }])(
    'is not served with %j',
    async (env) => {
      const gateway = await gatewayWith(env);
      try {
        for (const path of ['/explorer', '/explorer/', '/explorer/graphiql.js']) {
          expect((await fetch(`${gateway.url}${path}`, { headers: html })).status).toBe(404);
        }
      } finally {
        await gateway.stop();
      }
    },
  );

  it("Sandbox's page says in one line, linking there, when Sandbox cannot be loaded, and goes there if its script fails", async () => {
    // The graph's own gateway runs the default landing page, Sandbox.
    const page = await fetch(`${graph.url}/`, { headers: html });
    expect(page.status).toBe(200);
    const text = await page.text();
    const line = /<p id="sandbox-unavailable">([^\n]*)<\/p>/.exec(text)?.[1];
    expect(line).toBe(SANDBOX_UNAVAILABLE);
    expect(line).toContain('<a href="/explorer">/explorer</a>');
    expect(text).not.toMatch(/it appears that you might be offline/);
    // The fallback script carries the page's nonce (its CSP allows nothing else inline) and runs first.
    const nonce = /<script nonce="([0-9a-f]+)" src="https:\/\/embeddable-sandbox\.cdn\.apollographql\.com\//.exec(
      text,
    )?.[1];
    expect(nonce).toBeDefined();
    expect(text).toMatch(
      new RegExp(
        `<script nonce="${nonce}">window\\.addEventListener\\('error'[\\s\\S]*?location\\.replace\\('/explorer'\\)`,
      ),
    );
    expect(text.indexOf(`<script nonce="${nonce}">window`)).toBeLessThan(
      text.indexOf('src="https://embeddable-sandbox.cdn'),
    );
    // No stylesheet from outside holds the page (and that script) back on a network that drops.
    expect(text).not.toMatch(/<link[^>]*fonts\.(googleapis|gstatic)\.com/);
  });
});

describe('introspection', () => {
  const INTROSPECT = { query: '{ __schema { queryType { name } } }' };

  it('in production: on for signed-in users, off for anonymous callers and API keys', async () => {
    const gateway = await gatewayWith({ NODE_ENV: 'production' });
    try {
      const anonymous = await postJson(gateway.graphqlUrl, INTROSPECT);
      expect(anonymous.status).toBe(401);
      expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
      const key = await postJson(gateway.graphqlUrl, INTROSPECT, apiKey);
      expect(key.status).toBe(403);
      expect(errorCodes(key)).toEqual(['FORBIDDEN']);
      const user = await postJson(gateway.graphqlUrl, INTROSPECT, admin);
      expect(user.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
      // Sandbox stays the landing page.
      const page = await fetch(`${gateway.url}/`, { headers: { accept: 'text/html' } });
      expect(await page.text()).toMatch(/sandbox/i);
    } finally {
      await gateway.stop();
    }
  });

  it('outside production, API keys may introspect', async () => {
    expect((await postJson(graph.stack.gateway.graphqlUrl, INTROSPECT, apiKey)).body.errors).toBeUndefined();
  });
});

describe('the public schema (Sandbox is the analysts’ documentation)', () => {
  it('describes every type, field, argument and enum value', async () => {
    const result = await graph.gql<IntrospectionQuery>(getIntrospectionQuery(), {}, admin);
    const schema = buildClientSchema(result.body.data!);
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
