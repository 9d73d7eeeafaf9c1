import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import type { RunningGateway } from '@socgraph/gateway';
import { startTestStack, type TestStack } from '../src/testing';
import { describeInBrowser, launchChromium, sameOrigin } from './browser';

/**
 * The analysts' explorer in a real headless Chromium: it loads from the gateway alone, signs
 * in, runs queries, shows refusals, and is where an analyst lands when Sandbox cannot load.
 * One browser and one graph for the file; each group keeps one page.
 */
let graph: TestStack;
let browser: Browser;
let adminToken: string;
let analystToken: string;
let apiKey: string;
const PASSWORD = 'correct horse battery staple';

const USERS = `query FirstUsers($first: Int) {
  users(first: $first) {
    totalCount
    edges { node { username } }
  }
}`;

interface Observed {
  context: BrowserContext;
  page: Page;
  requests: Request[];
  /** Uncaught exceptions and console errors (a blocked load or CSP violation is one). */
  problems: string[];
}

async function openPage(setUp?: (context: BrowserContext) => Promise<void>): Promise<Observed> {
  const context = await browser.newContext();
  // Well inside jest's timeout, so a failing wait reports what it waited for.
  context.setDefaultTimeout(15_000);
  const requests: Request[] = [];
  const problems: string[] = [];
  // Context-wide, so requests from frames and workers are seen too.
  context.on('request', (request) => requests.push(request));
  await setUp?.(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`exception: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  return { context, page, requests, problems };
}

/** What an analyst does: the token (or key) into the Token field, then Use. */
async function signIn(page: Page, secret: string, kind: 'bearer' | 'apikey' = 'bearer'): Promise<void> {
  await page.selectOption('#sg-kind', kind);
  await page.fill('#sg-token', secret);
  // The explorer remounts GraphiQL with the credential, which fetches the schema with it: once
  // that request is out, what is typed next goes into the new GraphiQL.
  const header = kind === 'apikey' ? 'x-api-key' : 'authorization';
  const value = kind === 'apikey' ? secret : `Bearer ${secret}`;
  const remounted = page.waitForRequest(
    (request) => request.url().endsWith('/graphql') && request.headers()[header] === value,
  );
  await page.click('#sg-auth button[type=submit]');
  await remounted;
  await page.waitForFunction(`document.getElementById('sg-status').textContent === 'signed in'`);
  await page.waitForSelector('.graphiql-container');
}

/** Pastes text into one of GraphiQL's editors (pasted, so its bracket auto-closing stays out). */
async function paste(page: Page, editor: string, text: string): Promise<void> {
  await page.click(`${editor} .CodeMirror`);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
}

/** Runs `query` with `variables` through GraphiQL's own editors and Run button; returns the result pane's JSON. */
async function runInExplorer(page: Page, query: string, variables: Record<string, unknown> = {}): Promise<unknown> {
  await paste(page, 'section.graphiql-query-editor', query);
  await page.click('button.graphiql-un-styled[data-name="variables"]');
  await paste(page, 'section.graphiql-editor-tool .graphiql-editor:not(.hidden)', JSON.stringify(variables));
  const operationName = /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1];
  const answered = page.waitForResponse(
    (response) =>
      response.url().endsWith('/graphql') &&
      (response.request().postDataJSON() as { operationName?: string } | null)?.operationName === operationName,
  );
  await page.click('button.graphiql-execute-button');
  const answer = JSON.stringify(JSON.parse(await (await answered).text()));
  // The result pane is a CodeMirror editor; wait until it shows this answer (not the previous
  // one). The page runs this, hence a string: the tests' TypeScript has no DOM types.
  const shown = await page.waitForFunction(`(() => {
    const value = document.querySelector('section.result-window .CodeMirror').CodeMirror.getValue();
    try { return JSON.stringify(JSON.parse(value)) === ${JSON.stringify(answer)} ? value : false; } catch { return false; }
  })()`);
  return JSON.parse(String(await shown.jsonValue()));
}

describeInBrowser('the explorer in headless Chromium', () => {
  beforeAll(async () => {
    browser = await launchChromium();
    graph = await startTestStack();
    await graph.seedAdmin(PASSWORD);
    await graph.seedUser({ username: 'ana', password: PASSWORD, role: 'analyst' });
    adminToken = await graph.login('admin', PASSWORD);
    analystToken = await graph.login('ana', PASSWORD);
    const created = await graph.gql<{ createApiKey: { secret: string } }>(
      `mutation { createApiKey(input: { clientName: "siem", persistedOnly: false }) { secret } }`,
      {},
      { authorization: `Bearer ${adminToken}` },
    );
    apiKey = created.body.data!.createApiKey.secret;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await graph?.stop();
  });

  describe('LANDING_PAGE=offline', () => {
    let gateway: RunningGateway;
    let origin: string;
    let observed: Observed;
    beforeAll(async () => {
      gateway = await graph.startGateway({ LANDING_PAGE: 'offline' }, { defaultMetrics: false });
      origin = new URL(gateway.url).origin;
      observed = await openPage();
    }, 60_000);
    afterAll(async () => {
      await observed?.context.close();
      await gateway?.stop();
    });

    it('loads from the gateway alone: every request it makes is to its origin', async () => {
      const { page, requests, problems } = observed;
      await page.goto(`${gateway.url}/`, { waitUntil: 'networkidle' });
      await page.waitForSelector('.graphiql-container');
      const urls = requests.map((request) => request.url());
      // The page, its six files, and the schema GraphiQL fetched through the gateway.
      expect(urls).toEqual(
        expect.arrayContaining([`${origin}/`, `${origin}/explorer/graphiql.js`, `${origin}/graphql`]),
      );
      expect(urls.filter((url) => !sameOrigin(url, origin))).toEqual([]);
      expect(problems).toEqual([]);
    });

    it('an analyst pastes a token, runs a query with variables and sees its result', async () => {
      const { page } = observed;
      await signIn(page, adminToken);
      const result = await runInExplorer(page, USERS, { first: 1 });
      expect(result).toEqual({
        data: { users: { totalCount: 2, edges: [{ node: { username: expect.any(String) } }] } },
      });
      // The token went as a bearer token, on the gateway's origin only.
      const sent = observed.requests.filter((r) => r.method() === 'POST' && r.url() === `${origin}/graphql`).at(-1);
      expect(sent?.headers().authorization).toBe(`Bearer ${adminToken}`);
      expect(observed.requests.filter((r) => !sameOrigin(r.url(), origin))).toEqual([]);
    });

    it('a FORBIDDEN shows as an error in the result pane', async () => {
      const { page } = observed;
      await signIn(page, analystToken);
      const result = (await runInExplorer(page, USERS, { first: 1 })) as {
        errors?: { message: string; extensions?: { code?: string } }[];
      };
      expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      await page.waitForSelector('section.result-window :text("FORBIDDEN")');
    });

    it('in API-key mode sends the key as x-api-key, and no bearer token', async () => {
      const { page } = observed;
      await signIn(page, apiKey, 'apikey');
      const result = await runInExplorer(page, `query Me { me { username } }`);
      expect(result).toEqual({ data: { me: { username: 'admin' } } });
      const sent = observed.requests.filter((r) => r.method() === 'POST' && r.url() === `${origin}/graphql`).at(-1);
      expect(sent?.headers()['x-api-key']).toBe(apiKey);
      expect(sent?.headers().authorization).toBeUndefined();
      expect(observed.problems).toEqual([]);
    });
  });

  describe("LANDING_PAGE=sandbox (the default), with Apollo's CDN out of reach", () => {
    let origin: string;
    beforeAll(() => {
      origin = new URL(graph.url).origin;
    });

    it('takes an analyst whose browser cannot fetch Sandbox to a working explorer at /explorer', async () => {
      const blocked: string[] = [];
      const { context, page, requests } = await openPage(async (context) => {
        // Outside requests fail at once, as on a network with no route or DNS for Apollo's CDN.
        await context.route('**/*', async (route) => {
          if (sameOrigin(route.request().url(), origin)) return route.continue();
          blocked.push(route.request().url());
          return route.abort('internetdisconnected');
        });
      });
      try {
        await page.goto(`${graph.url}/`);
        await page.waitForURL(`${origin}/explorer`);
        await page.waitForSelector('.graphiql-container');
        expect(blocked.some((url) => url.startsWith('https://embeddable-sandbox.cdn.apollographql.com/'))).toBe(true);
        await signIn(page, adminToken);
        expect(await runInExplorer(page, USERS, { first: 2 })).toMatchObject({ data: { users: { totalCount: 2 } } });
        expect(requests.filter((r) => !sameOrigin(r.url(), origin) && !blocked.includes(r.url()))).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it("shows one line linking to /explorer while Sandbox's script does not arrive", async () => {
      const { context, page } = await openPage(async (context) => {
        // A network that drops rather than refuses: outside requests never answer.
        await context.route('**/*', async (route) => {
          if (sameOrigin(route.request().url(), origin)) return route.continue();
        });
      });
      try {
        await page.goto(`${graph.url}/`, { waitUntil: 'commit' });
        const line = page.locator('#sandbox-unavailable');
        await line.waitFor({ state: 'visible' });
        expect(await line.innerText()).toMatch(
          /^Apollo Sandbox cannot be loaded .*: use the built-in explorer at \/explorer\.$/,
        );
        await line.getByRole('link', { name: '/explorer' }).click();
        await page.waitForURL(`${origin}/explorer`);
        await page.waitForSelector('.graphiql-container');
      } finally {
        await context.close();
      }
    });
  });
});
