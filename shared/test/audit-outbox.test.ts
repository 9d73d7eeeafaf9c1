import DataLoader from 'dataloader';
import { buildSchema, graphql } from 'graphql';
import type { DataSource } from 'typeorm';
import {
  auditMutations,
  BatchReporter,
  requestTransaction,
  auditOutboxMigrationSql,
  createSubgraphDataSource,
  describeAuditEntry,
  notFound,
  OutboxRelay,
  recordAuthEvent,
  runAudited,
  ServiceCallError,
  type AuditDelivery,
  type AuditEntryPayload,
  type AuthEventPayload,
  type ChangeFacts,
  type GraphQLResolverMap,
  type SubgraphContext,
} from '../src';
import { createTestDatabase, testPrincipal, type TestDatabase } from '@socgraph/testkit';

/**
 * The audit outbox's parts on a real database: a schema of its own with the capture triggers,
 * a SubgraphDataSource, runAudited and the relay (delivering to an in-memory audit).
 */

let db: TestDatabase;
let dataSource: DataSource;

const SCHEMA = 'outboxdemo';

beforeAll(async () => {
  db = await createTestDatabase('outbox');
  dataSource = createSubgraphDataSource({ subgraph: SCHEMA, url: db.url, entities: [] });
  await dataSource.initialize();
  await dataSource.query(`CREATE SCHEMA ${SCHEMA}`);
  await dataSource.query(
    `CREATE TABLE ${SCHEMA}.things (id serial PRIMARY KEY, name text NOT NULL UNIQUE, note text, secret text)`,
  );
  await dataSource.query(`CREATE TABLE ${SCHEMA}.thing_labels (thing_id int NOT NULL, label text NOT NULL)`);
  for (const statement of auditOutboxMigrationSql(SCHEMA, {
    things: { redact: ['secret'] },
    thing_labels: {},
  })) {
    await dataSource.query(statement);
  }
});
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});
beforeEach(async () => {
  await dataSource.query(`TRUNCATE ${SCHEMA}.things, ${SCHEMA}.thing_labels, ${SCHEMA}.audit_outbox`);
});

const options = {
  subgraph: SCHEMA,
  get dataSource() {
    return dataSource;
  },
  resources: { things: 'Thing', thing_labels: { type: 'Thing', idColumn: 'thing_id' } },
};

function facts(action: string): ChangeFacts {
  return {
    action,
    principal: testPrincipal({ username: 'ana', role: 'analyst' }),
    requestId: `req-${action}`,
    clientIp: '10.0.0.7',
    userAgent: 'unit-test',
    operationName: null,
    returnedType: 'Thing',
    declared: () => ({ type: 'Thing', id: null }),
  };
}

async function outbox(): Promise<{ kind: string; payload: AuditEntryPayload | AuthEventPayload }[]> {
  return (await dataSource.query(`SELECT kind, payload FROM ${SCHEMA}.audit_outbox ORDER BY seq`)) as {
    kind: string;
    payload: AuditEntryPayload;
  }[];
}

const entries = async (): Promise<AuditEntryPayload[]> =>
  (await outbox()).filter((m) => m.kind === 'AUDIT_ENTRY').map((m) => m.payload as AuditEntryPayload);

describe('runAudited', () => {
  it('runs the change and its entry in one transaction, with only the changed fields and secrets redacted', async () => {
    const [created] = (await dataSource.query(
      `INSERT INTO ${SCHEMA}.things (name, note, secret) VALUES ('lamp', 'old', 's3cret-1') RETURNING id`,
    )) as { id: number }[];
    await runAudited(options, facts('renameThing'), async () => {
      // A service's own transaction becomes a savepoint of the request's, and sees its writes.
      await dataSource.transaction(async (tx) => {
        await tx.query(`UPDATE ${SCHEMA}.things SET note = 'new', secret = 's3cret-2' WHERE id = $1`, [created?.id]);
      });
      const [seen] = (await dataSource.query(`SELECT note FROM ${SCHEMA}.things WHERE id = $1`, [created?.id])) as {
        note: string;
      }[];
      expect(seen?.note).toBe('new');
    });
    const [entry, ...rest] = await entries();
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      actor: 'ana',
      action: 'renameThing',
      resourceType: 'Thing',
      resourceId: String(created?.id),
      status: 'success',
      before: { note: 'old', secret: '[redacted]' },
      after: { note: 'new', secret: '[redacted]' },
      ipAddress: '10.0.0.7',
      requestId: 'req-renameThing',
      source: SCHEMA,
    });
    expect(JSON.stringify(entry)).not.toContain('s3cret');
    const left = (await dataSource.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.audit_capture`)) as { n: number }[];
    expect(left[0]?.n).toBe(0);
  });

  it('groups several rows by table and names the resource the change returns', async () => {
    await runAudited(options, facts('createThing'), async () => {
      const [thing] = (await dataSource.query(`INSERT INTO ${SCHEMA}.things (name) VALUES ('desk') RETURNING id`)) as {
        id: number;
      }[];
      await dataSource.query(`INSERT INTO ${SCHEMA}.thing_labels (thing_id, label) VALUES ($1, 'a'), ($1, 'b')`, [
        thing?.id,
      ]);
      describeAuditEntry({ details: { why: 'unit test' } });
    });
    const [entry] = await entries();
    expect(entry?.before).toEqual({ things: [null], thing_labels: [null, null] });
    expect(entry?.after).toMatchObject({
      things: [{ name: 'desk' }],
      thing_labels: [{ label: 'a' }, { label: 'b' }],
    });
    expect(entry?.details).toMatchObject({ rowsChanged: 3, why: 'unit test' });
  });

  it('rolls the change back when it fails and still records one failure entry, with its auth events', async () => {
    await expect(
      runAudited(options, facts('createThing'), async () => {
        await dataSource.query(`INSERT INTO ${SCHEMA}.things (name) VALUES ('chair')`);
        await recordAuthEvent(dataSource, {
          eventType: 'LOGIN',
          status: 'FAILURE',
          userId: null,
          username: 'ana',
          ipAddress: '10.0.0.7',
          userAgent: null,
          sessionId: null,
        });
        throw notFound('Thing', 7);
      }),
    ).rejects.toThrow(/not found/i);
    const things = (await dataSource.query(`SELECT 1 FROM ${SCHEMA}.things`)) as unknown[];
    expect(things).toEqual([]);
    const messages = await outbox();
    expect(messages.map((m) => m.kind)).toEqual(['AUDIT_ENTRY', 'AUTH_EVENT']);
    expect(messages[0]?.payload).toMatchObject({
      status: 'failure',
      before: null,
      after: null,
      details: { error: { code: 'NOT_FOUND' } },
    });
    expect(messages[1]?.payload).toMatchObject({ eventType: 'LOGIN', status: 'FAILURE', source: SCHEMA });
  });

  it('records a failure even when what it names (actor, id, error) holds text Postgres cannot store', async () => {
    const hostile = 'eve\u0000\ud800';
    await expect(
      runAudited(options, facts('login'), async () => {
        describeAuditEntry({ actor: hostile, resourceId: hostile, details: { [hostile]: hostile } });
        await recordAuthEvent(dataSource, {
          eventType: 'LOGIN',
          status: 'FAILURE',
          userId: null,
          username: hostile,
          ipAddress: null,
          userAgent: null,
          sessionId: null,
        });
        throw notFound('User', hostile);
      }),
    ).rejects.toThrow('not found');
    const messages = await outbox();
    expect(messages.map((m) => m.kind)).toEqual(['AUDIT_ENTRY', 'AUTH_EVENT']);
    expect(messages[0]?.payload).toMatchObject({
      actor: 'eve\uFFFD\uFFFD',
      resourceId: 'eve\uFFFD\uFFFD',
      status: 'failure',
      details: { 'eve\uFFFD\uFFFD': 'eve\uFFFD\uFFFD', error: { code: 'NOT_FOUND' } },
    });
    expect(messages[1]?.payload).toMatchObject({ username: 'eve\uFFFD\uFFFD' });
  });

  it('keeps what a failure names within what audit accepts: no empty actor, no overlong id', async () => {
    await expect(
      runAudited(options, { ...facts('login'), requestId: 'r'.repeat(500) }, async () => {
        describeAuditEntry({ actor: '   ', resourceId: 'x'.repeat(1_000), resourceType: '' });
        throw notFound('User', 'x');
      }),
    ).rejects.toThrow('not found');
    const [entry] = await entries();
    expect(entry).toMatchObject({ actor: 'ana', resourceType: 'Unknown', status: 'failure' });
    expect(entry?.resourceId).toHaveLength(255);
    expect(entry?.requestId).toHaveLength(64);
  });

  it('joins a run started inside another: one entry, every row, the inner annotations', async () => {
    await runAudited(options, facts('outerChange'), async () => {
      await dataSource.query(`INSERT INTO ${SCHEMA}.things (name) VALUES ('outer')`);
      await runAudited(options, facts('innerChange'), async () => {
        await dataSource.query(`INSERT INTO ${SCHEMA}.things (name) VALUES ('inner')`);
        describeAuditEntry({ details: { from: 'inner' } });
      });
    });
    const all = await entries();
    expect(all.map((e) => e.action)).toEqual(['outerChange']);
    expect(all[0]?.after).toMatchObject({ things: [{ name: 'outer' }, { name: 'inner' }] });
    expect(all[0]?.details).toMatchObject({ from: 'inner' });
  });

  it('leaves no trace of changes made outside an audited run', async () => {
    await dataSource.query(`INSERT INTO ${SCHEMA}.things (name) VALUES ('seeded')`);
    const captured = (await dataSource.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.audit_capture`)) as {
      n: number;
    }[];
    expect(captured[0]?.n).toBe(0);
    expect(await outbox()).toEqual([]);
  });
});

describe('the request transaction', () => {
  it('does not lend its connection to reports sent while it is open', async () => {
    const pid = async (): Promise<number> =>
      ((await dataSource.query('SELECT pg_backend_pid() AS pid')) as { pid: number }[])[0]!.pid;
    let sentOn: number | null = null;
    let markSent: () => void = () => undefined;
    const sent = new Promise<void>((resolve) => (markSent = resolve));
    const reporter = new BatchReporter<number>({
      name: 'test',
      maxBuffer: 10,
      batchSize: 1,
      flushIntervalMs: 1000,
      send: async () => {
        sentOn = await pid();
        markSent();
      },
    });
    let requestOn: number | null = null;
    await requestTransaction.run(dataSource, async () => {
      requestOn = await pid();
      reporter.add(1);
      await sent; // the transaction is still open while the report goes out
    });
    await reporter.stop();
    expect(sentOn).not.toBeNull();
    expect(sentOn).not.toBe(requestOn);
  });
});

describe('auditMutations', () => {
  // A small graph over the test table: one mutation renames and fails, another reads through the loader.
  const schema = buildSchema(`
    type Thing { id: Int! name: String! }
    type Query { thing(id: Int!): Thing }
    type Mutation { renameThenFail(id: Int!, name: String!): Thing, readThing(id: Int!): Thing }
  `);
  type Ctx = SubgraphContext & { loaders: { thingById: DataLoader<number, { id: number; name: string } | null> } };
  const resolvers: GraphQLResolverMap<Ctx> = {
    Mutation: {
      renameThenFail: async (_: unknown, args: { id: number; name: string }, ctx: Ctx) => {
        await dataSource.query(`UPDATE ${SCHEMA}.things SET name = $2 WHERE id = $1`, [args.id, args.name]);
        await ctx.loaders.thingById.load(args.id); // cached: the renamed, uncommitted row
        throw notFound('Thing', args.id);
      },
      readThing: (_: unknown, args: { id: number }, ctx: Ctx) => ctx.loaders.thingById.load(args.id),
    },
  };

  it('a failed mutation leaves no rows it read inside its rolled-back transaction in the loaders', async () => {
    const [thing] = (await dataSource.query(`INSERT INTO ${SCHEMA}.things (name) VALUES ('kettle') RETURNING id`)) as {
      id: number;
    }[];
    const wrapped = auditMutations(resolvers, options) as { Mutation: Record<string, unknown> };
    const rootValue = Object.fromEntries(
      Object.entries(wrapped.Mutation).map(([field, resolve]) => [
        field,
        (args: unknown, ctx: Ctx, info: unknown) =>
          (resolve as (p: unknown, a: unknown, c: Ctx, i: unknown) => unknown)(undefined, args, ctx, info),
      ]),
    );
    const contextValue: Ctx = {
      principal: testPrincipal(),
      requestId: 'req-loaders',
      clientIp: null,
      userAgent: null,
      loaders: {
        thingById: new DataLoader(async (ids: readonly number[]) => {
          const rows = (await dataSource.query(`SELECT id, name FROM ${SCHEMA}.things WHERE id = ANY($1)`, [ids])) as {
            id: number;
            name: string;
          }[];
          return ids.map((id) => rows.find((r) => r.id === id) ?? null);
        }),
      },
    };
    const result = await graphql({
      schema,
      source: `mutation ($id: Int!) { a: renameThenFail(id: $id, name: "teapot") { name } b: readThing(id: $id) { name } }`,
      variableValues: { id: thing?.id },
      rootValue,
      contextValue,
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(result.data?.b).toEqual({ name: 'kettle' });
    expect((await entries()).map((e) => [e.action, e.status])).toEqual([
      ['renameThenFail', 'failure'],
      ['readThing', 'success'],
    ]);
  });
});

/** An audit subgraph in memory: stores by id (idempotent), and can be made to fail. */
class MemoryAudit implements AuditDelivery {
  readonly stored = new Map<string, AuditEntryPayload | AuthEventPayload>();
  down = false;
  /** Actions it refuses as bad input (a row audit cannot accept). */
  refuse = new Set<string>();
  calls = 0;

  async auditEntries(batch: readonly AuditEntryPayload[]): Promise<void> {
    this.calls += 1;
    if (this.down) throw new ServiceCallError('connect ECONNREFUSED');
    if (batch.some((e) => this.refuse.has(e.action))) {
      throw new ServiceCallError('entries[0].action is invalid', ['BAD_USER_INPUT']);
    }
    for (const entry of batch) if (!this.stored.has(entry.id)) this.stored.set(entry.id, entry);
  }

  async authEvents(batch: readonly AuthEventPayload[]): Promise<void> {
    this.calls += 1;
    if (this.down) throw new ServiceCallError('connect ECONNREFUSED');
    for (const event of batch) if (!this.stored.has(event.id)) this.stored.set(event.id, event);
  }
}

describe('OutboxRelay', () => {
  const relayFor = (audit: AuditDelivery) =>
    new OutboxRelay({ subgraph: SCHEMA, dataSource, delivery: audit, batchSize: 50, intervalMs: 10, maxBackoffMs: 50 });
  const change = (action: string) =>
    runAudited(options, facts(action), async () => {
      await dataSource.query(`INSERT INTO ${SCHEMA}.things (name) VALUES ($1)`, [`${action}-${Math.random()}`]);
    });

  it('keeps entries while audit is down and delivers each once when it is back', async () => {
    const audit = new MemoryAudit();
    const relay = relayFor(audit);
    await change('one');
    await change('two');
    audit.down = true;
    await expect(relay.flush(1_000)).rejects.toThrow(/ECONNREFUSED/);
    expect(await relay.pending()).toBe(2);
    audit.down = false;
    relay.start();
    try {
      await change('three');
      const deadline = Date.now() + 5_000;
      while ((await relay.pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(await relay.pending()).toBe(0);
    } finally {
      await relay.stop();
    }
    expect([...audit.stored.values()].map((e) => (e as AuditEntryPayload).action).sort()).toEqual([
      'one',
      'three',
      'two',
    ]);
  });

  it('shares one outbox between replicas: two relays deliver each entry exactly once', async () => {
    const audit = new MemoryAudit();
    let deliveries = 0;
    const counting: AuditDelivery = {
      auditEntries: async (batch) => {
        deliveries += batch.length;
        await new Promise((resolve) => setTimeout(resolve, 5)); // hold the rows' locks a moment
        await audit.auditEntries(batch);
      },
      authEvents: (batch) => audit.authEvents(batch),
    };
    for (let i = 0; i < 40; i += 1) await change(`replica-${i}`);
    const small = (n: number) =>
      new OutboxRelay({
        subgraph: SCHEMA,
        dataSource,
        delivery: counting,
        batchSize: n,
        intervalMs: 10,
        maxBackoffMs: 50,
      });
    await Promise.all([small(3).flush(5_000), small(4).flush(5_000)]);
    expect(audit.stored.size).toBe(40);
    expect(deliveries).toBe(40); // the row locks: no row went to both relays
    expect(await relayFor(audit).pending()).toBe(0);
  });

  it('holds back only the row audit refuses, with its error, and never drops it', async () => {
    const audit = new MemoryAudit();
    audit.refuse.add('poison');
    const relay = relayFor(audit);
    await change('fine-1');
    await change('poison');
    await change('fine-2');
    await relay.flush(1_000);
    expect([...audit.stored.values()].map((e) => (e as AuditEntryPayload).action).sort()).toEqual(['fine-1', 'fine-2']);
    const held = (await dataSource.query(
      `SELECT payload->>'action' AS action, attempts, last_error, next_attempt_at > now() AS later
         FROM ${SCHEMA}.audit_outbox`,
    )) as { action: string; attempts: number; last_error: string; later: boolean }[];
    expect(held).toEqual([
      { action: 'poison', attempts: 1, last_error: expect.stringMatching(/invalid/), later: true },
    ]);
  });

  it('refuses identifiers it would have to quote', () => {
    expect(() => auditOutboxMigrationSql('bad-name; drop', {})).toThrow(/identifier/);
    expect(() => auditOutboxMigrationSql(SCHEMA, { 'things"': {} })).toThrow(/identifier/);
  });
});
