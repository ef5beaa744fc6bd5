import { AGORA_VECTORS, agoraLifecycle } from '../fixtures/agora-samples';
import { liveKitLifecycle } from '../fixtures/livekit-samples';
import { type Sample, SEED_000, SEED_001, SEED_003, trtcLifecycle } from '../fixtures/samples';
import type { Endpoint } from '../lib/platforms';

/** The callback each ingest figure is measured on, one per endpoint. */
export const INGEST_SAMPLES: Record<Endpoint, Sample> = {
  'tencent-im': SEED_000,
  'tencent-trtc': trtcLifecycle('bench-task')[0] as Sample,
  'tencent-gme': SEED_001,
  'huawei-sparkrtc': SEED_003,
  // The 31 `uploaded` event of PROTOCOLS.md §6: the largest cloud-recording body with two files.
  agora: { ...(agoraLifecycle('bench-sid')[3] as Sample), body: AGORA_VECTORS.uploaded.body },
  livekit: liveKitLifecycle('EG_benchEgress01')[3] as Sample,
};
