import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * The one place tests start a browser: Debian's Chromium (`apt-get install chromium`, no
 * browser download) driven by playwright-core, with the flags this closed network needs.
 * `.ci/run` installs Chromium, so CI always runs the browser tests; elsewhere they are skipped,
 * with the reason printed, when no Chromium is found.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Nothing that would reach for the internet on its own (QUIC, background and component
 * updates, sync, first-run pages), and no sandbox or GPU (CI containers run as root, headless).
 * The profile is fresh for every browser: Playwright's `launch` always creates a temporary
 * `--user-data-dir` and deletes it on close (it refuses the flag in `args`).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const inCi = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

/** Why no browser test can run here, or null when Chromium is installed. */
export function chromiumMissing(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  return `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
}

/**
 * `describe` for browser tests. Without Chromium: skipped with the reason printed, except in CI,
 * where they run and fail, so a machine that lost its Chromium cannot pass by skipping them.
 */
export function describeInBrowser(name: string, body: () => void): void {
  const missing = chromiumMissing();
  if (missing && !inCi()) {
    console.warn(`Browser tests skipped (${name}): ${missing}`);
    describe.skip(name, body);
    return;
  }
  describe(name, body);
}

/** A headless Chromium; the caller closes it (one per test file: starting one takes a while). */
export async function launchChromium(): Promise<Browser> {
  const missing = chromiumMissing();
  if (missing) throw new Error(`Browser tests need Chromium (in CI they do not skip): ${missing}`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    chromiumSandbox: false,
    args: [...CHROMIUM_ARGS],
    timeout: 30_000,
  });
}

/** Whether `url` is on `origin` (data: URLs never leave the browser). */
export function sameOrigin(url: string, origin: string): boolean {
  return url.startsWith('data:') || new URL(url).origin === origin;
}
