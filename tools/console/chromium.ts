import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's `chromium` package (playwright's own browser downloads are not used); CHROMIUM_PATH overrides. */
export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) return existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined;
  return CHROMIUM_CANDIDATES.find((path) => existsSync(path));
}

/**
 * Headless, off the network but for what the page asks: no background requests, component updates,
 * sync or QUIC probes; `--no-sandbox` because CI runs as root.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-default-apps',
  '--disable-extensions',
];

export interface LaunchedChromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile in a temporary folder, removed on close. */
export async function launchChromium(options: { executablePath: string; width?: number; height?: number }) {
  const profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: options.executablePath,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  } satisfies LaunchedChromium;
}
