import { type Endpoint, isEndpoint } from '../platforms';
import { createHuaweiSparkRtcProvider, type HuaweiSparkRtcOptions } from './huawei-sparkrtc';
import type { Provider } from './provider';
import { createTencentGmeProvider } from './tencent-gme';
import { createTencentImProvider, type TencentImOptions } from './tencent-im';
import { createTencentTrtcProvider } from './tencent-trtc';

export interface ProviderOptions {
  tencentIm?: TencentImOptions;
  huaweiSparkRtc?: HuaweiSparkRtcOptions;
}

export type ProviderRegistry = ReadonlyMap<Endpoint, Provider>;

/** Maps each callback endpoint (CONTRACT §1) to its provider. */
export function createProviderRegistry(options: ProviderOptions = {}): ProviderRegistry {
  const providers = [
    createTencentImProvider(options.tencentIm),
    createTencentTrtcProvider(),
    createTencentGmeProvider(),
    createHuaweiSparkRtcProvider(options.huaweiSparkRtc),
  ];
  return new Map(providers.map((provider) => [provider.endpoint, provider]));
}

/** Reads IM_REQUEST_TIME_TOLERANCE_SECONDS and SPARKRTC_TIMESTAMP_TOLERANCE_SECONDS. */
export function providerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ProviderOptions {
  const seconds = (name: string): number | undefined => {
    const text = env[name];
    if (text === undefined || text === '') return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number of seconds ≥ 0`);
    return value;
  };
  return {
    tencentIm: { requestTimeToleranceSeconds: seconds('IM_REQUEST_TIME_TOLERANCE_SECONDS') },
    huaweiSparkRtc: { timestampToleranceSeconds: seconds('SPARKRTC_TIMESTAMP_TOLERANCE_SECONDS') },
  };
}

export function findProvider(registry: ProviderRegistry, endpoint: string): Provider | undefined {
  return isEndpoint(endpoint) ? registry.get(endpoint) : undefined;
}
