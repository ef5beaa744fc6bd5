import type { Endpoint } from '../lib/platforms';
import { type Sample, SEED_000, SEED_001, SEED_003, trtcLifecycle } from '../test/helpers/samples';

/** The callback each ingest figure is measured on, one per endpoint. */
export const INGEST_SAMPLES: Record<Endpoint, Sample> = {
  'tencent-im': SEED_000,
  'tencent-trtc': trtcLifecycle('bench-task')[0] as Sample,
  'tencent-gme': SEED_001,
  'huawei-sparkrtc': SEED_003,
};
