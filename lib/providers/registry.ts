import type { StatusRules } from '../model/status-rule';
import { type Endpoint, type EndpointOf, PLATFORMS, type Platform } from '../platforms';
import { AGORA_VENDOR } from './agora';
import { SPARKRTC_VENDOR } from './huawei-sparkrtc';
import { LIVEKIT_VENDOR } from './livekit';
import type { AppBase, Provider, ProviderEnv, ProviderRegistry, RecordingQuery, Vendor } from './provider';
import { GME_VENDOR } from './tencent-gme';
import { TRTC_VENDOR } from './tencent-trtc';

/**
 * The composition root: every vendor, one line each, keyed by its platform. The compiler checks it
 * against lib/platforms.ts both ways (a platform without a vendor, or a key that is no platform,
 * does not build), and each vendor's platform and endpoints against its key. App schemas, status
 * rules, signing and the log-hygiene keys all come from here; only the edges (functions, the local
 * stack, tools, tests) import it.
 */
export const VENDORS_BY_PLATFORM = {
  trtc: TRTC_VENDOR,
  gme: GME_VENDOR,
  sparkrtc: SPARKRTC_VENDOR,
  agora: AGORA_VENDOR,
  livekit: LIVEKIT_VENDOR,
} as const satisfies { readonly [P in Platform]: Vendor<AppBase & { readonly platform: P }, EndpointOf<P>> };

export const VENDORS = PLATFORMS.map((platform) => VENDORS_BY_PLATFORM[platform]);

export type { ProviderRegistry } from './provider';

/** Each platform's status rule (README, "Status rules"), for the model's folds and derivations. */
export const STATUS_RULES = Object.fromEntries(
  PLATFORMS.map((platform) => [platform, VENDORS_BY_PLATFORM[platform].statusRule]),
) as StatusRules;

/** Each vendor's task query, by platform, for the sweep (README, "Lost callbacks"); absent where a vendor has none. */
export const RECORDING_QUERIES: ReadonlyMap<Platform, RecordingQuery<AppBase>> = new Map(
  VENDORS.flatMap((vendor) =>
    vendor.recordingQuery ? [[vendor.platform, vendor.recordingQuery as RecordingQuery<AppBase>] as const] : [],
  ),
);

/**
 * Maps each callback endpoint (README, "Routes and answers") to its provider. Tolerances come from `env`
 * (ingest passes `process.env`); without it, every vendor's documented default applies.
 */
export function createProviderRegistry(env: ProviderEnv = {}): ProviderRegistry {
  const providers: Provider[] = VENDORS.flatMap((vendor): readonly Provider[] => vendor.createProviders(env));
  return new Map(providers.map((provider) => [provider.endpoint, provider]));
}

let defaults: ProviderRegistry | undefined;

/** The provider of a known endpoint with default options: for signing and reading captures. */
export function providerFor(endpoint: Endpoint): Provider {
  defaults ??= createProviderRegistry();
  const provider = defaults.get(endpoint);
  if (!provider) throw new Error(`no provider for ${endpoint}`);
  return provider;
}
