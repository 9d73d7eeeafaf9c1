import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

/**
 * Headless Chromium driven over the DevTools protocol on a pipe (no browser download, no
 * driver package): loads a page, records every request the page makes, and evaluates
 * expressions in it. Tests use it only where a Chromium is installed.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumAvailable = (): boolean => existsSync(CHROMIUM_PATH);

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

export interface PageVisit {
  /** Every URL the page requested (documents, scripts, styles, fetches). */
  requests: string[];
  /** Uncaught exceptions in the page. */
  exceptions: string[];
  evaluate<T>(expression: string): Promise<T>;
  /** Polls `expression` until it is truthy or `timeoutMs` passes. */
  waitFor(expression: string, timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function visit(url: string): Promise<PageVisit> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'socgraph-chromium-'));
  const child = spawn(
    CHROMIUM_PATH,
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-sync',
      '--remote-debugging-pipe',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    // Its own process group, so closing ends its helper processes (renderer, zygote) too.
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'], detached: true },
  );
  const input = child.stdio[3] as Writable;
  const output = child.stdio[4] as Readable;
  let nextId = 0;
  const pending = new Map<number, { resolve: (value: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  const listeners: ((message: Message) => void)[] = [];
  let buffered = '';
  output.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let end = buffered.indexOf('\0');
    while (end >= 0) {
      const message = JSON.parse(buffered.slice(0, end)) as Message;
      buffered = buffered.slice(end + 1);
      end = buffered.indexOf('\0');
      if (message.id !== undefined) {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(message.error.message));
        else waiter?.resolve(message.result ?? {});
      } else {
        for (const listener of listeners) listener(message);
      }
    }
  });
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      nextId += 1;
      pending.set(nextId, { resolve, reject });
      input.write(`${JSON.stringify({ id: nextId, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });

  const requests: string[] = [];
  const exceptions: string[] = [];
  let loaded = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    await Promise.race([send('Browser.close').catch(() => undefined), new Promise((r) => setTimeout(r, 2_000))]);
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await exited;
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch {
      // A helper still flushing its profile: a leftover temp folder, not a failed test.
    }
  };
  try {
    const { targetId } = (await send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    listeners.push((message) => {
      if (message.sessionId !== sessionId) return;
      if (message.method === 'Network.requestWillBeSent') {
        requests.push(String((message.params?.request as { url?: string } | undefined)?.url));
      }
      if (message.method === 'Runtime.exceptionThrown') exceptions.push(JSON.stringify(message.params));
      if (message.method === 'Page.loadEventFired') loaded = true;
    });
    for (const domain of ['Network', 'Page', 'Runtime']) await send(`${domain}.enable`, {}, sessionId);
    await send('Page.navigate', { url }, sessionId);

    const evaluate = async <T>(expression: string): Promise<T> => {
      const result = (await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)) as {
        result: { value: T };
      };
      return result.result.value;
    };
    const waitFor = async (expression: string, timeoutMs = 15_000): Promise<boolean> => {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (loaded && (await evaluate<boolean>(`Boolean(${expression})`))) return true;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return false;
    };
    return { requests, exceptions, evaluate, waitFor, close };
  } catch (error) {
    await close();
    throw error;
  }
}
