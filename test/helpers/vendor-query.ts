import { type AppConfig, type AppFor, parseAppsDocument } from '../../lib/config/apps';
import type { Platform } from '../../lib/platforms';
import type { VendorQueryContext } from '../../lib/providers/provider';

export const QUERY_TEST_APP_IDS = { trtc: '1400000001', sparkrtc: 'sparkrtc-query-app', livekit: 'livekit-query-app' };

/** One app parsed from an apps document, as production reads it. */
export function parseApp<P extends Platform>(platform: P, entry: Record<string, unknown>): AppFor<P> {
  const appId = String(entry.appId ?? QUERY_TEST_APP_IDS[platform as keyof typeof QUERY_TEST_APP_IDS]);
  const app = parseAppsDocument({ apps: [{ platform, appId, ...entry }] }, 'test').find<AppConfig>(platform, appId) as
    | AppFor<P>
    | undefined;
  if (!app) throw new Error(`no ${platform} app ${appId}`);
  return app;
}

/** A query context on the real clock and fetch; a test overrides what it exercises. */
export function vendorQueryContext(overrides: Partial<VendorQueryContext> = {}): VendorQueryContext {
  return { env: {}, now: Date.now, timeoutMs: 2_000, fetch: globalThis.fetch, ...overrides };
}

/** A fetch that answers every request with this status and text, without a network. */
export function answeringFetch(status: number, text: string): typeof fetch {
  return async () => new Response(text, { status });
}
