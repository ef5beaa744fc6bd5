import type { Endpoint } from '../../lib/platforms';
import { QUERY_TEST_CREDENTIALS } from './vendor-query';

/**
 * Every secret the test suite signs with, besides config/apps.local.json. The log-hygiene check
 * (scripts/check-log-hygiene.ts) fails if any of them appears in any log line of the suite.
 */
export const INGEST_TEST_KEYS = {
  'tencent-im': ['im-token-current', 'im-token-previous'],
  'tencent-trtc': ['trtcKeyCurrent01', 'trtcKeyPrevious01'],
  'tencent-gme': ['gme-secret-current', 'gme-secret-previous'],
  'huawei-sparkrtc': ['sparkrtc-auth-key-current-0000000000', 'sparkrtc-auth-key-previous-000000000'],
  agora: ['agora-ncs-secret-current', 'agora-ncs-secret-previous'],
  livekit: ['livekit-secret-current-000000000000', 'livekit-secret-previous-00000000000'],
} as const satisfies Record<Endpoint, readonly [string, string]>;

export const TEST_SECRETS: readonly string[] = [
  ...Object.values(INGEST_TEST_KEYS).flat(),
  // PROTOCOLS.md vectors.
  'xxxxyyyy',
  'gme-secret-key',
  '0123456789abcdef0123456789abcdef',
  'secret',
  'agora-ncs-test-secret',
  'lk-test-secret-0123456789abcdef0123456789',
  // Rotation and register tests.
  'sparkrtc-key-0123456789-0123456789',
  'token-new',
  'token-old',
  'k'.repeat(40),
  'n'.repeat(48),
  // Vendor API secrets of the reconciliation queries, and the AK/SK signing test's.
  QUERY_TEST_CREDENTIALS.trtc.secretKey,
  QUERY_TEST_CREDENTIALS.sparkrtc.sk,
  QUERY_TEST_CREDENTIALS.livekit.apiSecret,
  QUERY_TEST_CREDENTIALS.wrongSecret,
  'sparkrtc-api-sk-0123456789abcdef',
];
