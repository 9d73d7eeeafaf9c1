import { createServer, type Server } from 'node:http';
import type { BackgroundJob, JobDeps } from '@socgraph/shared';
import type { AgentsConfig } from './config';

/**
 * A small local agent for the demo marketplace (`AGENT_DEMO_PORT`, outside production only):
 * `POST /summarize` answers the first words of `input.text`, `POST /classify` a label by
 * keyword, `POST /flaky` fails every third call. The seeded demo agents point at it.
 */
export const DEMO_AGENT_PATHS = ['/summarize', '/classify', '/flaky'] as const;

function answer(path: string, input: unknown, call: number): { status: number; body: unknown } {
  const text = typeof (input as { text?: unknown } | null)?.text === 'string' ? (input as { text: string }).text : '';
  switch (path) {
    case '/summarize':
      return {
        status: 200,
        body: { summary: text.split(/\s+/).slice(0, 12).join(' '), words: text.split(/\s+/).filter(Boolean).length },
      };
    case '/classify': {
      const label = /password|login|credential/i.test(text)
        ? 'phishing'
        : /encrypt|ransom/i.test(text)
          ? 'ransomware'
          : 'benign';
      return { status: 200, body: { label, confidence: label === 'benign' ? 0.6 : 0.9 } };
    }
    case '/flaky':
      return call % 3 === 0 ? { status: 503, body: { error: 'busy' } } : { status: 200, body: { ok: true } };
    default:
      return { status: 404, body: { error: 'no such agent' } };
  }
}

function parsedInput(raw: Buffer): unknown {
  try {
    return (JSON.parse(raw.toString('utf8')) as { input?: unknown }).input ?? null;
  } catch {
    return null;
  }
}

export function demoAgentJob(deps: JobDeps<AgentsConfig>): BackgroundJob {
  let server: Server | null = null;
  let calls = 0;
  return {
    name: 'demo-agent',
    start() {
      const port = deps.config.AGENT_DEMO_PORT;
      if (!port || deps.config.NODE_ENV === 'production') return;
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => {
          if (chunks.reduce((n, c) => n + c.length, 0) < 1_000_000) chunks.push(chunk);
        });
        req.on('end', () => {
          const input = parsedInput(Buffer.concat(chunks));
          const { status, body } = answer((req.url ?? '/').split('?')[0]!, input, ++calls);
          res.writeHead(status, { 'content-type': 'application/json', 'x-processing-time-ms': '3' });
          res.end(JSON.stringify(body));
        });
      });
      server.on('error', (error) => deps.logger.warn({ err: error, port }, 'demo agent could not listen'));
      server.listen(port, '127.0.0.1');
    },
    async stop() {
      const running = server;
      server = null;
      if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
    },
  };
}
