import type { Endpoint } from '../platforms';
import { AGORA_VENDOR } from './agora';
import { SPARKRTC_VENDOR } from './huawei-sparkrtc';
import { LIVEKIT_VENDOR } from './livekit';
import type { Provider, ProviderEnv } from './provider';
import { GME_VENDOR } from './tencent-gme';
import { TRTC_VENDOR } from './tencent-trtc';

/**
 * Every vendor, one line each. Platforms, endpoints, app schemas, status rules, signing and the
 * log-hygiene keys all derive from this list (README, "Adding a vendor").
 */
export const VENDORS = [TRTC_VENDOR, GME_VENDOR, SPARKRTC_VENDOR, AGORA_VENDOR, LIVEKIT_VENDOR] as const;

export type ProviderRegistry = ReadonlyMap<Endpoint, Provider>;

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

export function findProvider(registry: ProviderRegistry, endpoint: string): Provider | undefined {
  return registry.get(endpoint as Endpoint);
}
