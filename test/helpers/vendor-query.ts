import { type AppFor, parseAppsDocument } from '../../lib/config/apps';
import type { Platform } from '../../lib/platforms';
import type { VendorQueryContext } from '../../lib/providers/provider';

/** Vendor API credentials of the query tests (README, "The apps document"); test-secrets.ts lists the secret ones. */
export const QUERY_TEST_CREDENTIALS = {
  trtc: {
    secretId: 'AKIDreconcileTestSecretId0001',
    secretKey: 'trtc-api-secret-key-reconcile-0001',
    region: 'ap-guangzhou',
  },
  sparkrtc: {
    ak: 'SPARKRTCRECONCILEAK0001',
    sk: 'sparkrtc-api-sk-reconcile-test-0001',
    projectId: 'project-reconcile-0001',
  },
  livekit: { apiKey: 'APIreconcileKey01', apiSecret: 'livekit-api-secret-reconcile-test-0001' },
  /** Configured in an app but unknown to the fake vendor: a signing bug must show as an auth failure. */
  wrongSecret: 'wrong-api-secret-reconcile-test-0001',
} as const;

export const QUERY_TEST_APP_IDS = { trtc: '1400000001', sparkrtc: 'sparkrtc-query-app', livekit: 'livekit-query-app' };

/** One app parsed from an apps document, as production reads it. */
export function parseApp<P extends Platform>(platform: P, entry: Record<string, unknown>): AppFor<P> {
  const appId = String(entry.appId ?? QUERY_TEST_APP_IDS[platform as keyof typeof QUERY_TEST_APP_IDS]);
  const app = parseAppsDocument({ apps: [{ platform, appId, ...entry }] }, 'test').find(platform, appId);
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
