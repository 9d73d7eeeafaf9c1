import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real local HTTP agent for executions: `/ok` echoes a summary of its input, `/fail` answers
 * 500, `/hang` never answers, `/garbage` answers 200 with non-JSON, `/redirect` answers 302 to
 * `/ok`, `/large` answers more than any cap, `/slow` answers after 150 ms. It counts calls.
 */
export interface TestAgent {
  url(path: string): string;
  calls: { path: string; body: unknown }[];
  stop(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}

export async function startTestAgent(): Promise<TestAgent> {
  const calls: TestAgent['calls'] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      const path = (req.url ?? '/').split('?')[0]!;
      calls.push({ path, body });
      const input = (body as { input?: unknown } | null)?.input;
      switch (path) {
        case '/ok':
        case '/slow': {
          const answer = () => {
            res.writeHead(200, { 'content-type': 'application/json', 'x-processing-time-ms': '7' });
            res.end(JSON.stringify({ summary: `got ${JSON.stringify(input)}`, words: 3 }));
          };
          if (path === '/slow') setTimeout(answer, 150);
          else answer();
          return;
        }
        case '/fail':
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('model exploded');
          return;
        case '/hang':
          hanging.add(res);
          return;
        case '/garbage':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"summary": "unterminated');
          return;
        case '/redirect':
          res.writeHead(302, { location: '/ok' });
          res.end();
          return;
        case '/large':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ blob: 'x'.repeat(64 * 1024) }));
          return;
        default:
          res.writeHead(404);
          res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    calls,
    async stop() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
