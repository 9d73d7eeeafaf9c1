import { composeServices } from '@apollo/composition';
import { identitySubgraph } from '@socgraph/identity';
import {
  createLogger,
  requestScope,
  startSubgraphServer,
  type RunningSubgraph,
  type SubgraphContext,
} from '@socgraph/shared';
import { randomSecret } from '@socgraph/testkit';
import { parse } from 'graphql';
import { tagRbacOffSource } from '@socgraph/gateway';
import type { StartGatewayOptions } from '@socgraph/gateway';
import { startTestStack, type TestStack } from '../src/testing';
import type { StackOptions } from '../src/stack';

/**
 * A test-only second subgraph ("probe") next to identity, composed in the test: something to
 * stop, slow down and restart while identity keeps answering, and connections to nest for
 * cost tests. It counts the HTTP requests it receives, so tests can prove a refusal never
 * reached it.
 */

const probeTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  "A test-only service."
  type Query {
    "Whether the probe answers."
    probeStatus: ProbeStatus
    "Answers after ms milliseconds."
    slowProbe("Delay in milliseconds." ms: Int!): String
    "The caller's username, after ms milliseconds (whose answer each caller gets)."
    probeCaller("Delay in milliseconds." ms: Int!): String
    "Fails after ms milliseconds (an answer with errors)."
    probeFailure("Delay in milliseconds." ms: Int!): String
    "Milliseconds of the caller's deadline left when the probe was asked (null without one)."
    probeDeadline: Int
    "Items, a connection to nest for cost tests."
    probeItems("Page size." first: Int = 20, "Cursor." after: String): ProbeItemConnection!
  }

  "A test-only write."
  type Mutation {
    "Answers after ms milliseconds (a write that may outlive its caller's deadline)."
    slowProbeWrite("Delay in milliseconds." ms: Int!): String
  }

  "The probe's state."
  type ProbeStatus {
    "Always up."
    value: String!
  }

  "A page of items."
  type ProbeItemConnection {
    "The items."
    edges: [ProbeItemEdge!]!
    "How many there are."
    totalCount: Int!
  }

  "An item with its cursor."
  type ProbeItemEdge {
    "The item."
    node: ProbeItem!
  }

  "An item with children."
  type ProbeItem {
    "Its id."
    id: ID!
    "Its children."
    children("Page size." first: Int = 20): ProbeItemConnection!
  }
`);

const items = (first: number) => ({
  totalCount: first,
  edges: Array.from({ length: Math.min(first, 3) }, (_, i) => ({ node: { id: String(i + 1) } })),
});

/** A resolver's sleep that does not hold the process open: a test may end while the probe still sleeps. */
const sleepUnref = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

export interface Probe {
  url: string;
  port: number;
  /** HTTP requests received since start (all restarts together). */
  requests(): number;
  /** TCP connections accepted since start (all restarts together). */
  connections(): number;
  stop(): Promise<void>;
  /** Starts again on the same port. */
  restart(): Promise<void>;
}

export async function startProbe(internalTokenSecret: string, port = 0): Promise<Probe> {
  let count = 0;
  let connections = 0;
  let server: RunningSubgraph | null = null;
  const start = async (onPort: number): Promise<RunningSubgraph> => {
    const started = await startSubgraphServer<SubgraphContext>(
      {
        name: 'probe',
        typeDefs: probeTypeDefs,
        resolvers: {
          Query: {
            probeStatus: () => ({ value: 'up' }),
            slowProbe: async (_parent: unknown, args: { ms: number }) => {
              await sleepUnref(args.ms);
              return `slept ${args.ms} ms`;
            },
            probeCaller: async (_parent: unknown, args: { ms: number }, context: SubgraphContext) => {
              await new Promise((resolve) => setTimeout(resolve, args.ms));
              return context.principal.username;
            },
            probeFailure: async (_parent: unknown, args: { ms: number }) => {
              await new Promise((resolve) => setTimeout(resolve, args.ms));
              throw new Error('probe failure');
            },
            probeItems: (_parent: unknown, args: { first: number }) => items(args.first),
            probeDeadline: () => requestScope.remainingMs() ?? null,
          },
          Mutation: {
            slowProbeWrite: async (_parent: unknown, args: { ms: number }) => {
              await sleepUnref(args.ms);
              return `wrote after ${args.ms} ms`;
            },
          },
          ProbeItem: { children: (_parent: unknown, args: { first: number }) => items(args.first) },
        },
        createContext: (base) => base,
      },
      { port: onPort, internalTokenSecret, logger: createLogger('probe', 'silent'), defaultMetrics: false },
    );
    started.server.on('request', () => (count += 1));
    started.server.on('connection', () => (connections += 1));
    return started;
  };
  server = await start(port);
  const boundPort = server.port;
  return {
    url: server.graphqlUrl,
    port: boundPort,
    requests: () => count,
    connections: () => connections,
    async stop() {
      await server?.stop();
      server = null;
    },
    async restart() {
      server = await start(boundPort);
    },
  };
}

/** identity (its committed SDL) + probe, composed here, not in the committed supergraph. */
export function identityAndProbeSupergraph(): string {
  const result = composeServices([
    { name: 'identity', url: 'http://identity.invalid/graphql', typeDefs: identitySubgraph.typeDefs },
    { name: 'probe', url: 'http://probe.invalid/graphql', typeDefs: probeTypeDefs },
  ]);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

/** Counts HTTP requests a running server receives (identity, to prove refusals never reach it). */
export function countRequests(server: { on(event: 'request', listener: () => void): unknown }): () => number {
  let count = 0;
  server.on('request', () => (count += 1));
  return () => count;
}

export interface ProbeGraph {
  graph: TestStack;
  probe: Probe;
  stop(): Promise<void>;
}

/** The test stack serving identity + probe. */
export async function startProbeGraph(
  options: { env?: NodeJS.ProcessEnv; gatewayOptions?: StartGatewayOptions } & Partial<StackOptions> = {},
): Promise<ProbeGraph> {
  const internalTokenSecret = randomSecret();
  const probe = await startProbe(internalTokenSecret);
  try {
    const graph = await startTestStack({
      ...options,
      internalTokenSecret,
      supergraphSdl: identityAndProbeSupergraph(),
      gatewayOptions: {
        tagAccessSettings: tagRbacOffSource,
        defaultMetrics: false,
        ...options.gatewayOptions,
        subgraphUrls: { probe: probe.url, ...options.gatewayOptions?.subgraphUrls },
      },
    });
    return {
      graph,
      probe,
      stop: async () => {
        await graph.stop();
        await probe.stop();
      },
    };
  } catch (error) {
    await probe.stop();
    throw error;
  }
}
